// OPAQUE-3DH P256-SHA256 (RFC 9807 §7) on the pure-Swift engine, for the device side.

import OPAQUE

/// OPRF(P-256, SHA-256), HKDF-SHA256, HMAC-SHA256, SHA-256. The key stretching function is the
/// identity: the device never stretches (the client runs scrypt on its own machine), and the RFC's
/// vectors use the identity. A client needing scrypt uses CofferCrypto's `P256SHA256Suite`; both
/// suites produce the same bytes for everything else.
public struct PureP256SHA256Suite: OPAQUECiphersuite, Sendable {
    public let group = PureP256Group()

    public init() {}

    public var oprfIdentifier: [UInt8] { Array("P256-SHA256".utf8) }
    public var hashLength: Int { PureSHA256.outputLength }
    public var macLength: Int { PureHMACSHA256.tagLength }
    public var kdfLength: Int { PureSHA256.outputLength }

    public func hash(_ message: [UInt8]) -> [UInt8] { PureSHA256.hash(message) }

    public func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        PureHMACSHA256.authenticationCode(for: message, key: key)
    }

    public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool { pureConstantTimeEqual(a, b) }

    public func extract(salt: [UInt8], ikm: [UInt8]) -> [UInt8] { PureHKDFSHA256.extract(salt: salt, ikm: ikm) }

    /// HKDF-Expand. OPAQUE asks only for short fixed lengths from hash-length PRKs, so a refusal is a
    /// caller bug.
    public func expand(prk: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        guard let output = PureHKDFSHA256.expand(prk: prk, info: info, length: length) else {
            preconditionFailure("HKDF-SHA256 expand outside its limits")
        }
        return output
    }

    /// The identity KSF (see the type's documentation).
    public func stretch(_ input: [UInt8]) throws(OPAQUEError) -> [UInt8] { input }
}
