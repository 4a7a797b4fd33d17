// SHA-256 (libcrypto) and SHA-512 (libsodium), one-shot and incremental.

/// The hash algorithms CofferCrypto offers.
public enum DigestAlgorithm: Sendable, Equatable {
    case sha256
    case sha512

    /// Output length in bytes (`Nh`).
    public var outputLength: Int {
        switch self {
        case .sha256: 32
        case .sha512: 64
        }
    }

    /// Input block length in bytes (HMAC pads its key to this length).
    public var blockLength: Int {
        switch self {
        case .sha256: 64
        case .sha512: 128
        }
    }
}

/// A hash function that can be fed incrementally and also hashes in one call.
///
/// Values have value semantics: copying one mid-stream and feeding both copies gives two
/// independent digests.
public protocol HashFunction: Sendable {
    /// The algorithm this type computes.
    static var algorithm: DigestAlgorithm { get }
    /// A fresh hash state.
    init()
    /// Feeds bytes into the hash state.
    mutating func update(_ bytes: UnsafeRawBufferPointer)
    /// The digest of everything fed so far. The state is not usable afterwards.
    consuming func finalize() -> [UInt8]
    /// The digest of the bytes in a buffer in one call.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8]
}

extension HashFunction {
    /// Output length in bytes.
    public static var outputLength: Int { algorithm.outputLength }

    /// Feeds an array of bytes into the hash state.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of `bytes` in one call.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// The digest of the bytes in a buffer in one call (libcrypto's EVP_Digest).
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        oneShotDigest(algorithm, bytes)
    }
}

/// SHA-256 (FIPS 180-4).
public struct SHA256: HashFunction {
    public static let algorithm = DigestAlgorithm.sha256
    private var state: DigestState

    public init() { state = DigestState(.sha256) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if !isKnownUniquelyReferenced(&state) { state = state.copy() }
        state.update(bytes)
    }

    public consuming func finalize() -> [UInt8] {
        if !isKnownUniquelyReferenced(&state) { state = state.copy() }
        return state.finalize()
    }
}

/// SHA-512 (FIPS 180-4), computed by libsodium with its state held in the value itself
/// (SHA512_sodium.swift): the ristretto255 suite hashes short inputs many times per login.
public struct SHA512: HashFunction {
    public static let algorithm = DigestAlgorithm.sha512
    private var state = SodiumSHA512State()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        state.update(bytes)
    }

    public consuming func finalize() -> [UInt8] {
        state.finalize()
    }

    /// The digest of the bytes in a buffer in one call.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        SodiumSHA512State.hash(bytes)
    }
}
