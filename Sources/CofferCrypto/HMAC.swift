// HMAC (RFC 2104) over SHA-256 (libcrypto's EVP_MAC) or SHA-512 (libsodium, held by value).

import OPAQUE

/// A keyed message authentication code over the hash function `H`.
///
/// Feed the message with `update` and read the tag with `finalize`, or use the one-call
/// `authenticationCode(for:key:)`. Check a received tag with `isValidAuthenticationCode`, which
/// compares in constant time. A keyed value may be copied and each copy fed on its own: HKDF-Expand
/// keys one state and copies it for every block.
public struct HMAC<H: HashFunction>: Sendable {
    /// SHA-256 stays with libcrypto (SHA-NI); SHA-512 MACs short messages dozens of times per
    /// ristretto255 login, where an inline libsodium state beats a heap EVP_MAC context.
    private enum State {
        case evp(HMACState)
        case sodiumSHA512(SodiumHMACSHA512State)
        /// Only while `update` or `finalize` holds the EVP state, so that it is uniquely referenced.
        case lent
    }

    private var state: State

    /// Tag length in bytes (the hash's output length).
    public static var tagLength: Int { H.outputLength }

    /// A MAC state keyed with `key` (any length; longer than a block is hashed first, per RFC 2104).
    public init(key: [UInt8]) {
        state = key.withUnsafeBytes { Self.keyed($0) }
    }

    /// A MAC state keyed with a secret.
    public init(key: SecretBytes) {
        state = key.withUnsafeBytes { Self.keyed($0) }
    }

    private static func keyed(_ key: UnsafeRawBufferPointer) -> State {
        switch H.algorithm {
        case .sha256: .evp(HMACState(H.algorithm, key: key))
        case .sha512: .sodiumSHA512(SodiumHMACSHA512State(key: key))
        }
    }

    /// Feeds message bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .evp(var evp):
            state = .lent
            if !isKnownUniquelyReferenced(&evp) { evp = evp.copy() }
            evp.update(bytes)
            state = .evp(evp)
        case .sodiumSHA512(var sodium):
            sodium.update(bytes)
            state = .sodiumSHA512(sodium)
        case .lent:
            preconditionFailure("HMAC state used while lent")
        }
    }

    /// Feeds message bytes.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The tag of everything fed so far.
    public consuming func finalize() -> [UInt8] {
        switch state {
        case .evp(var evp):
            state = .lent
            if !isKnownUniquelyReferenced(&evp) { evp = evp.copy() }
            return evp.finalize()
        case .sodiumSHA512(var sodium):
            return sodium.finalize()
        case .lent:
            preconditionFailure("HMAC state used while lent")
        }
    }

    /// Wipes a keyed state that is only copied from and never finalized itself (libcrypto's
    /// contexts are cleansed when freed).
    mutating func wipe() {
        guard case .sodiumSHA512(var sodium) = state else { return }
        sodium.wipe()
        state = .sodiumSHA512(sodium)
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
