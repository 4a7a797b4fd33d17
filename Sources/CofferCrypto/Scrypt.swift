// scrypt (RFC 7914): the password-stretching function OPAQUE's client runs on its OPRF output.

import OPAQUE

/// scrypt's cost parameters (RFC 7914 §2).
public struct ScryptParameters: Sendable, Equatable {
    /// CPU/memory cost N: a power of two above 1.
    public var n: UInt64
    /// Block size factor r.
    public var r: UInt32
    /// Parallelisation factor p.
    public var p: UInt32

    /// Coffer's client setting, RFC 9807's recommendation for P-256: N = 32768, r = 8, p = 1
    /// (about 32 MiB of memory).
    public static let coffer = ScryptParameters(n: 32768, r: 8, p: 1)

    public init(n: UInt64, r: UInt32, p: UInt32) {
        self.n = n
        self.r = r
        self.p = p
    }

    /// Whether RFC 7914's constraints hold: N a power of two above 1 and below 2^(128·r/8),
    /// r ≥ 1, p ≥ 1 and p·r < 2^30.
    public var isValid: Bool {
        guard n > 1, n & (n - 1) == 0, r >= 1, p >= 1, UInt64(r) * UInt64(p) < 1 << 30 else { return false }
        // N < 2^(128·r/8) only bites for r < 4; with r ≥ 4 any UInt64 N qualifies.
        return r >= 4 || n.trailingZeroBitCount < 16 * Int(r)
    }

    /// Bytes of working memory scrypt needs (libcrypto's count: the p blocks B plus the table V),
    /// or nil if that does not fit in 64 bits.
    public var memoryRequired: UInt64? {
        let blocks = UInt64(p).multipliedReportingOverflow(by: 128 * UInt64(r))
        let table = (n + 2).multipliedReportingOverflow(by: 128 * UInt64(r))
        guard !blocks.overflow, !table.overflow else { return nil }
        let total = blocks.partialValue.addingReportingOverflow(table.partialValue)
        return total.overflow ? nil : total.partialValue
    }
}

/// scrypt (RFC 7914) computed by libcrypto's EVP_KDF "SCRYPT".
public enum Scrypt {
    /// The default memory limit: 256 MiB, eight times what Coffer's own setting needs, so a
    /// parameter set read from an untrusted place cannot make the process allocate gigabytes.
    public static let defaultMemoryLimit: UInt64 = 256 << 20

    /// Derives `outputLength` bytes from a password and salt.
    ///
    /// - Throws: `CryptoError.invalidParameters` for parameters RFC 7914 forbids or that need more
    ///   than `memoryLimit` bytes; `CryptoError.invalidLength` for an output length below 1 or
    ///   above 2^32 − 1 blocks of 32 bytes.
    public static func deriveKey(
        password: [UInt8], salt: [UInt8], parameters: ScryptParameters = .coffer, outputLength: Int = 32,
        memoryLimit: UInt64 = defaultMemoryLimit
    ) throws(CryptoError) -> [UInt8] {
        try check(parameters, outputLength: outputLength, memoryLimit: memoryLimit)
        return try [UInt8](filling: outputLength) { (output) throws(CryptoError) in
            try password.withBytes { (password) throws(CryptoError) in
                try scryptDerive(
                    password: password, salt: salt, parameters: parameters, memoryLimit: memoryLimit, into: output)
            }
        }
    }

    /// Derives `outputLength` secret bytes from a secret password and a salt. Same rules as above.
    public static func deriveKey(
        password: SecretBytes, salt: [UInt8], parameters: ScryptParameters = .coffer, outputLength: Int = 32,
        memoryLimit: UInt64 = defaultMemoryLimit
    ) throws(CryptoError) -> SecretBytes {
        try check(parameters, outputLength: outputLength, memoryLimit: memoryLimit)
        let key = SecretBytes(zeros: outputLength)
        try key.withUnsafeMutableBytes { (output) throws(CryptoError) in
            try password.withUnsafeBytes { (password) throws(CryptoError) in
                try scryptDerive(
                    password: password, salt: salt, parameters: parameters, memoryLimit: memoryLimit, into: output)
            }
        }
        return key
    }

    private static func check(_ parameters: ScryptParameters, outputLength: Int, memoryLimit: UInt64)
        throws(CryptoError)
    {
        guard outputLength >= 1, UInt64(outputLength) <= UInt64(UInt32.max) * 32 else { throw .invalidLength }
        guard parameters.isValid, let memory = parameters.memoryRequired, memory <= memoryLimit else {
            throw .invalidParameters
        }
    }
}
