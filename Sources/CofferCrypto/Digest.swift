// SHA-256 and SHA-512, one-shot and incremental, computed by libcrypto.

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
        bytes.withUnsafeBytes { oneShotDigest(algorithm, $0) }
    }

    /// The digest of the bytes in a buffer in one call.
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

/// SHA-512 (FIPS 180-4).
public struct SHA512: HashFunction {
    public static let algorithm = DigestAlgorithm.sha512
    private var state: DigestState

    public init() { state = DigestState(.sha512) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if !isKnownUniquelyReferenced(&state) { state = state.copy() }
        state.update(bytes)
    }

    public consuming func finalize() -> [UInt8] {
        if !isKnownUniquelyReferenced(&state) { state = state.copy() }
        return state.finalize()
    }
}
