// Named size limits of the vault's messages. Every length-prefixed field is checked against one of
// these before a byte of it is copied, so a request costs bounded memory whatever the host sends.

/// The size limits of protocol version 2 (docs/PROTOCOL.md, "Limits").
public enum VaultLimits {
    /// Shortest credential identifier, in bytes.
    public static let credentialIDMinLength = 1
    /// Longest credential identifier, in bytes. Bounded so a slot record fits its 512-byte slot.
    public static let credentialIDMaxLength = 64
    /// Longest OPAQUE message carried in one field (RFC 9807 KE2 for P256-SHA256 is 259 bytes;
    /// the headroom leaves space for a suite with larger elements).
    public static let opaqueMessageMaxLength = 512
    /// Length of the backup key the vault keeps (a 256-bit key).
    public static let backupKeyLength = 32
    /// Length of a sealed backup key on the wire: AES-256-GCM ciphertext plus its 16-byte tag.
    public static let sealedBackupKeyLength = backupKeyLength + 16
    /// Longest public key or signature field in GetInfo.
    public static let publicValueMaxLength = 128
    /// Most slots one Counters reply describes (bounded so the reply stays well under the
    /// 7609-byte CTAPHID message limit: 128 × 8 bytes plus a small header).
    public static let countersPerPage = 128
    /// The attempt limits a record may have (inclusive).
    public static let attemptLimitRange: ClosedRange<UInt8> = 1...255
    /// The attempt limit a freshly provisioned device applies when a registration names none.
    public static let defaultAttemptLimit: UInt8 = 10
    /// The most attempts a freshly provisioned device allows any record (larger requests are capped).
    public static let defaultMaxAttemptLimit: UInt8 = 10
}

/// The OPAQUE-3DH configuration both sides of the vault use (docs/PROTOCOL.md, "OPAQUE").
public enum VaultOPAQUE {
    /// The application context string bound into every handshake transcript (RFC 9807 §6.1).
    public static let context: [UInt8] = Array("coffer/v1".utf8)
}
