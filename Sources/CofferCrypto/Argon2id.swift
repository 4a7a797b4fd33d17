// Argon2id (RFC 9106): the password-stretching function of the ristretto255-SHA512 suite, as
// opaque-ke configures it, so that opaque-ke clients and Coffer derive the same keys.

import OPAQUE

/// Argon2id's cost parameters (RFC 9106 §3.1). The version is always 0x13.
public struct Argon2idParameters: Sendable, Equatable {
    /// Passes over memory, `t` (libsodium's opslimit).
    public var iterations: UInt32
    /// Memory in KiB, `m` (libsodium takes it in bytes as memlimit).
    public var memoryKiB: UInt32
    /// Lanes, `p`. libsodium computes one lane only, so anything else is refused.
    public var parallelism: UInt32

    /// What opaque-ke 4.0.1 runs with `argon2::Argon2::default()`, the defaults of the Rust `argon2`
    /// crate: t = 2, m = 19456 KiB (19 MiB), p = 1.
    public static let opaqueKE = Argon2idParameters(iterations: 2, memoryKiB: 19456, parallelism: 1)

    /// The parameters as given; `Argon2id.deriveKey` checks them.
    public init(iterations: UInt32, memoryKiB: UInt32, parallelism: UInt32 = 1) {
        self.iterations = iterations
        self.memoryKiB = memoryKiB
        self.parallelism = parallelism
    }
}

/// Argon2id version 0x13 computed by libsodium's `crypto_pwhash_argon2id`.
public enum Argon2id {
    /// libsodium's only salt length (crypto_pwhash_argon2id_SALTBYTES); Argon2 itself allows 8 or more.
    public static let saltLength = 16
    /// The shortest output libsodium produces (crypto_pwhash_argon2id_BYTES_MIN).
    public static let minimumOutputLength = 16
    /// The least memory Argon2 accepts: 8 KiB per lane (RFC 9106 §3.1).
    public static let minimumMemoryKiB: UInt32 = 8
    /// The default memory ceiling: 256 MiB, thirteen times opaque-ke's setting, so that parameters
    /// read from an untrusted place cannot make the process allocate gigabytes.
    public static let defaultMemoryLimitKiB: UInt32 = 256 * 1024

    /// Derives `outputLength` bytes from a password and a 16-byte salt.
    ///
    /// - Throws: `CryptoError.invalidLength` for a salt that is not 16 bytes or an output length
    ///   below 16; `CryptoError.invalidParameters` for zero iterations, memory below 8 KiB or above
    ///   `memoryLimitKiB`, or a parallelism other than 1; `CryptoError.libcryptoFailure` when
    ///   libsodium cannot compute (the memory could not be allocated).
    public static func deriveKey(
        password: [UInt8], salt: [UInt8], parameters: Argon2idParameters = .opaqueKE, outputLength: Int = 32,
        memoryLimitKiB: UInt32 = defaultMemoryLimitKiB
    ) throws(CryptoError) -> [UInt8] {
        try check(salt: salt, parameters: parameters, outputLength: outputLength, memoryLimitKiB: memoryLimitKiB)
        return try [UInt8](filling: outputLength) { (output) throws(CryptoError) in
            try password.withBytes { (password) throws(CryptoError) in
                try argon2idDerive(password: password, salt: salt, parameters: parameters, into: output)
            }
        }
    }

    /// Derives `outputLength` secret bytes from a secret password and a salt. Same rules as above.
    public static func deriveKey(
        password: SecretBytes, salt: [UInt8], parameters: Argon2idParameters = .opaqueKE, outputLength: Int = 32,
        memoryLimitKiB: UInt32 = defaultMemoryLimitKiB
    ) throws(CryptoError) -> SecretBytes {
        try check(salt: salt, parameters: parameters, outputLength: outputLength, memoryLimitKiB: memoryLimitKiB)
        let key = SecretBytes(zeros: outputLength)
        try key.withUnsafeMutableBytes { (output) throws(CryptoError) in
            try password.withUnsafeBytes { (password) throws(CryptoError) in
                try argon2idDerive(password: password, salt: salt, parameters: parameters, into: output)
            }
        }
        return key
    }

    private static func check(salt: [UInt8], parameters: Argon2idParameters, outputLength: Int,
                              memoryLimitKiB: UInt32) throws(CryptoError) {
        guard salt.count == saltLength, outputLength >= minimumOutputLength,
              UInt64(outputLength) <= UInt64(UInt32.max) else { throw .invalidLength }
        guard parameters.iterations >= 1, parameters.parallelism == 1, parameters.memoryKiB >= minimumMemoryKiB,
              parameters.memoryKiB <= memoryLimitKiB else { throw .invalidParameters }
    }
}
