import OPAQUE

/// OPAQUE-3DH's P256-SHA256 configuration (RFC 9807 §7): OPRF(P-256, SHA-256), HKDF-SHA256,
/// HMAC-SHA256, SHA-256, and a selectable key stretching function.
public struct P256SHA256Suite: OPAQUECiphersuite, Sendable {
    /// The key stretching function applied to the OPRF output on the client.
    public enum KeyStretching: Sendable, Equatable {
        /// scrypt(S = zeroes(16), N = 32768, r = 8, p = 1, dkLen = 32): RFC 9807's recommendation
        /// for this suite and Coffer's default.
        case scrypt
        /// No stretching, as in the RFC's test vectors. Never for real passwords.
        case identity
    }

    /// scrypt's cost parameters for `.scrypt`.
    public static let scryptParameters = ScryptParameters.coffer
    /// scrypt's salt for `.scrypt`: the password is already salted by the OPRF.
    public static let scryptSalt = [UInt8](repeating: 0, count: 16)

    public let group = P256()
    public let keyStretching: KeyStretching

    /// The suite with the given stretching; `.scrypt` unless testing against vectors.
    public init(keyStretching: KeyStretching = .scrypt) {
        self.keyStretching = keyStretching
    }

    public var oprfIdentifier: [UInt8] { Array("P256-SHA256".utf8) }
    public var hashLength: Int { SHA256.outputLength }
    public var macLength: Int { HMACSHA256.tagLength }
    public var kdfLength: Int { SHA256.outputLength }

    public func hash(_ message: [UInt8]) -> [UInt8] { SHA256.hash(message) }

    public func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        HMACSHA256.authenticationCode(for: message, key: key)
    }

    public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool { OPAQUE.constantTimeEqual(a, b) }

    public func extract(salt: [UInt8], ikm: [UInt8]) -> [UInt8] { HKDF<SHA256>.extract(salt: salt, ikm: ikm) }

    /// HKDF-Expand. OPAQUE asks only for fixed lengths far below HKDF's limit and passes PRKs of
    /// the hash length, so a refusal here is a bug in the caller and stops the process.
    public func expand(prk: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        do {
            return try HKDF<SHA256>.expand(prk: prk, info: info, length: length)
        } catch {
            preconditionFailure("HKDF-SHA256 expand outside its limits")
        }
    }

    public func stretch(_ input: [UInt8]) throws(OPAQUEError) -> [UInt8] {
        switch keyStretching {
        case .identity:
            return input
        case .scrypt:
            do {
                return try Scrypt.deriveKey(password: input, salt: Self.scryptSalt, parameters: Self.scryptParameters,
                                            outputLength: hashLength)
            } catch {
                throw .stretchFailed
            }
        }
    }
}
