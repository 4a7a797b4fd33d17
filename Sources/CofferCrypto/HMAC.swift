// HMAC (RFC 2104) over SHA-256 or SHA-512, computed by libcrypto.

import OPAQUE

/// A keyed message authentication code over the hash function `H`.
///
/// Feed the message with `update` and read the tag with `finalize`, or use the one-call
/// `authenticationCode(for:key:)`. Check a received tag with `isValidAuthenticationCode`, which
/// compares in constant time.
public struct HMAC<H: HashFunction>: Sendable {
    private var state: HMACState

    /// Tag length in bytes (the hash's output length).
    public static var tagLength: Int { H.outputLength }

    /// A MAC state keyed with `key` (any length; longer than a block is hashed first, per RFC 2104).
    public init(key: [UInt8]) {
        state = key.withUnsafeBytes { HMACState(H.algorithm, key: $0) }
    }

    /// A MAC state keyed with a secret.
    public init(key: SecretBytes) {
        state = key.withUnsafeBytes { HMACState(H.algorithm, key: $0) }
    }

    /// Feeds message bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if !isKnownUniquelyReferenced(&state) { state = state.copy() }
        state.update(bytes)
    }

    /// Feeds message bytes.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The tag of everything fed so far.
    public consuming func finalize() -> [UInt8] {
        if !isKnownUniquelyReferenced(&state) { state = state.copy() }
        return state.finalize()
    }

    /// The tag of `message` under `key` in one call.
    public static func authenticationCode(for message: [UInt8], key: [UInt8]) -> [UInt8] {
        var mac = HMAC(key: key)
        mac.update(message)
        return mac.finalize()
    }

    /// The tag of `message` under a secret key in one call.
    public static func authenticationCode(for message: [UInt8], key: SecretBytes) -> [UInt8] {
        var mac = HMAC(key: key)
        mac.update(message)
        return mac.finalize()
    }

    /// True when `tag` is the tag of `message` under `key`; compared in constant time.
    public static func isValidAuthenticationCode(_ tag: [UInt8], for message: [UInt8], key: [UInt8]) -> Bool {
        constantTimeEqual(authenticationCode(for: message, key: key), tag)
    }
}

/// HMAC-SHA256.
public typealias HMACSHA256 = HMAC<SHA256>
/// HMAC-SHA512.
public typealias HMACSHA512 = HMAC<SHA512>
