import OPAQUE

/// OPAQUE-3DH's ristretto255-SHA512 configuration (RFC 9807 §7): OPRF(ristretto255, SHA-512),
/// HKDF-SHA512, HMAC-SHA512, SHA-512, and a selectable key stretching function.
///
/// The default is opaque-ke's own configuration (Meta's Rust OPAQUE, version 4.0.1, with its
/// `argon2` feature): KSF Argon2id with `Argon2idParameters.opaqueKE`, a 16-byte all-zero salt and an
/// output of `Nh` = 64 bytes, so `randomized_password = Extract("", oprf_output || Argon2id(oprf_output))`
/// agrees byte for byte with opaque-ke's. opaque-ke also runs with an empty context and no
/// identities; both are arguments of `OPAQUEClient`/`OPAQUEServer`, so pass
/// `Ristretto255SHA512Suite.opaqueKEContext` and nil identities to talk to it.
public struct Ristretto255SHA512Suite: OPAQUECiphersuite, Sendable {
    /// The key stretching function applied to the OPRF output on the client.
    public enum KeyStretching: Sendable, Equatable {
        /// Argon2id v0x13 with the given costs, a 16-byte all-zero salt (the OPRF already salts the
        /// password) and `Nh` bytes of output, as opaque-ke computes it.
        case argon2id(Argon2idParameters)
        /// No stretching, as in the RFC's test vectors. Never for real passwords.
        case identity
    }

    /// Argon2id's salt: sixteen zero bytes, as opaque-ke passes `[0; 16]`.
    public static let argon2idSalt = [UInt8](repeating: 0, count: Argon2id.saltLength)
    /// opaque-ke's context string: empty.
    public static let opaqueKEContext: [UInt8] = []

    public let group = Ristretto255()
    public let keyStretching: KeyStretching

    /// The suite with the given stretching; opaque-ke's Argon2id unless testing against vectors.
    public init(keyStretching: KeyStretching = .argon2id(.opaqueKE)) {
        self.keyStretching = keyStretching
    }

    public var oprfIdentifier: [UInt8] { Array("ristretto255-SHA512".utf8) }
    public var hashLength: Int { SHA512.outputLength }
    public var macLength: Int { HMACSHA512.tagLength }
    public var kdfLength: Int { SHA512.outputLength }

    public func hash(_ message: [UInt8]) -> [UInt8] { SHA512.hash(message) }

    public func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        HMACSHA512.authenticationCode(for: message, key: key)
    }

    public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool { OPAQUE.constantTimeEqual(a, b) }

    /// HKDF-Extract. OPAQUE always extracts with the empty salt (the randomized password, the 3DH
    /// key schedule), whose HMAC key is `Nh` zero bytes: that keyed state is made once and copied.
    public func extract(salt: [UInt8], ikm: [UInt8]) -> [UInt8] {
        guard salt.isEmpty else { return HKDF<SHA512>.extract(salt: salt, ikm: ikm) }
        var mac = Self.emptySaltHMAC
        mac.update(ikm)
        return mac.finalize()
    }

    private static let emptySaltHMAC = HMACSHA512(key: [UInt8](repeating: 0, count: SHA512.outputLength))

    /// HKDF-Expand. OPAQUE asks only for fixed lengths far below HKDF's limit and passes PRKs of
    /// the hash length, so a refusal here is a bug in the caller and stops the process.
    public func expand(prk: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        do {
            return try HKDF<SHA512>.expand(prk: prk, info: info, length: length)
        } catch {
            preconditionFailure("HKDF-SHA512 expand outside its limits")
        }
    }

    /// The KSF on the OPRF output; the output is as long as the input (`Nh`), as in opaque-ke.
    public func stretch(_ input: [UInt8]) throws(OPAQUEError) -> [UInt8] {
        switch keyStretching {
        case .identity:
            return input
        case .argon2id(let parameters):
            do {
                return try Argon2id.deriveKey(password: input, salt: Self.argon2idSalt, parameters: parameters,
                                              outputLength: input.count)
            } catch {
                throw .stretchFailed
            }
        }
    }
}
