// AES key wrap with padding (RFC 5649): keys of any length sealed under a key-encryption key,
// with an integrity check that refuses any change to the wrapped bytes.

import OPAQUE

/// AES Key Wrap with Padding (RFC 5649, NIST SP 800-38F KWP) under a 128-, 192- or 256-bit
/// key-encryption key (KEK).
///
/// Deterministic: the same key under the same KEK wraps to the same bytes, so it suits keys,
/// not messages. The wrapped form is the key's length rounded up to 8 bytes, plus 8.
public enum AESKeyWrap {
    /// Accepted KEK lengths in bytes (AES-128, AES-192, AES-256).
    public static let kekLengths: Set<Int> = [16, 24, 32]

    /// Wraps `key` (at least one byte) under `kek`.
    ///
    /// - Throws: `CryptoError.invalidLength` for a KEK that is not 16, 24 or 32 bytes, or an
    ///   empty key.
    public static func wrap(_ key: SecretBytes, kek: SecretBytes) throws(CryptoError) -> [UInt8] {
        try kek.withUnsafeBytes { (kek) throws(CryptoError) in
            try key.withUnsafeBytes { (key) throws(CryptoError) in try keyWrapSeal(key, kek: kek) }
        }
    }

    /// Unwraps what `wrap` produced and checks its integrity.
    ///
    /// - Throws: `CryptoError.authenticationFailure` when the integrity check fails (wrong KEK or
    ///   any changed byte); `CryptoError.invalidLength` for a KEK of the wrong length or wrapped
    ///   bytes that are not a multiple of 8 of at least 16.
    public static func unwrap(_ wrapped: [UInt8], kek: SecretBytes) throws(CryptoError) -> SecretBytes {
        try kek.withUnsafeBytes { (kek) throws(CryptoError) in
            try wrapped.withBytes { (wrapped) throws(CryptoError) in try keyWrapOpen(wrapped, kek: kek) }
        }
    }
}
