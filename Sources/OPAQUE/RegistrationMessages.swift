// The registration messages and the stored record of RFC 9807 §5.1, with their byte layouts.

/// Fixed lengths of RFC 9807 that do not depend on the ciphersuite.
public enum OPAQUELengths {
    /// `Nn`: nonce length.
    public static let nonce = 32
    /// `Nseed`: length of key-derivation seeds.
    public static let seed = 32
}

/// RegistrationRequest: the client's blinded password (`Noe` bytes).
public struct RegistrationRequest<Suite: OPAQUECiphersuite> {
    /// The serialized blinded element.
    public let blindedMessage: [UInt8]
    let blindedElement: Suite.Group.Element

    init(blindedElement: Suite.Group.Element, suite: Suite) {
        self.blindedElement = blindedElement
        blindedMessage = suite.group.serialize(blindedElement)
    }

    /// The wire form: the blinded element alone.
    public func serialize() -> [UInt8] { blindedMessage }

    /// Parses and validates a request: exactly `Noe` bytes holding a valid non-identity element.
    public static func deserialize(_ bytes: [UInt8], suite: Suite) throws(OPAQUEError) -> Self {
        guard bytes.count == suite.group.elementLength else { throw .invalidLength }
        return Self(blindedElement: try suite.group.deserializeElement(bytes), suite: suite)
    }
}

/// RegistrationResponse: the evaluated element and the server's public key (`Noe + Npk` bytes).
public struct RegistrationResponse<Suite: OPAQUECiphersuite> {
    /// The serialized OPRF evaluation of the blinded password.
    public let evaluatedMessage: [UInt8]
    /// The server's long-term public key, which the client binds into its envelope.
    public let serverPublicKey: [UInt8]
    let evaluatedElement: Suite.Group.Element

    init(evaluatedElement: Suite.Group.Element, serverPublicKey: [UInt8], suite: Suite) {
        self.evaluatedElement = evaluatedElement
        evaluatedMessage = suite.group.serialize(evaluatedElement)
        self.serverPublicKey = serverPublicKey
    }

    /// The wire form: `evaluated_message || server_public_key`.
    public func serialize() -> [UInt8] { evaluatedMessage + serverPublicKey }

    /// Parses and validates a response; both elements must decode.
    public static func deserialize(_ bytes: [UInt8], suite: Suite) throws(OPAQUEError) -> Self {
        let n = suite.group.elementLength
        var reader = try FieldReader(bytes, expectedLength: 2 * n)
        let evaluated = try suite.group.deserializeElement(reader.take(n))
        let serverPublicKey = reader.take(n)
        _ = try suite.group.deserializeElement(serverPublicKey)
        return Self(evaluatedElement: evaluated, serverPublicKey: serverPublicKey, suite: suite)
    }
}

/// Envelope: the nonce and MAC tag that let the client re-derive and check its key (`Nn + Nm`).
public struct Envelope: Equatable, Sendable {
    /// `Nn` random bytes chosen at registration.
    public let nonce: [UInt8]
    /// The MAC binding the client key to the server key and identities.
    public let authTag: [UInt8]

    /// An envelope from its two fields.
    public init(nonce: [UInt8], authTag: [UInt8]) {
        self.nonce = nonce
        self.authTag = authTag
    }

    /// The stored form: `nonce || auth_tag`.
    public func serialize() -> [UInt8] { nonce + authTag }
}

/// RegistrationRecord: what the server stores per credential (`Npk + Nh + Nn + Nm` bytes).
public struct RegistrationRecord<Suite: OPAQUECiphersuite> {
    /// The client's long-term public key, derived from the password.
    public let clientPublicKey: [UInt8]
    /// Key of the pad that masks the server's credential response; a server-side secret.
    public let maskingKey: SecretBytes
    /// What the client needs to re-derive and check its key at login.
    public let envelope: Envelope
    let clientPublicElement: Suite.Group.Element

    init(clientPublicElement: Suite.Group.Element, clientPublicKey: [UInt8], maskingKey: SecretBytes,
         envelope: Envelope) {
        self.clientPublicElement = clientPublicElement
        self.clientPublicKey = clientPublicKey
        self.maskingKey = maskingKey
        self.envelope = envelope
    }

    /// The record the server uses for a credential that does not exist (RFC 9807 §6.3.2.2), so the
    /// KE2 it sends cannot be told from a real one: the given (random) client public key and masking
    /// key, and an all-zero envelope. Keep these per credential identifier so repeated logins to the
    /// same unknown identifier look the same.
    public static func fake(clientPublicKey: [UInt8], maskingKey: SecretBytes, suite: Suite) throws(OPAQUEError) -> Self {
        guard maskingKey.count == suite.hashLength else { throw .invalidLength }
        let element = try suite.group.deserializeElement(clientPublicKey)
        return Self(clientPublicElement: element, clientPublicKey: clientPublicKey, maskingKey: maskingKey,
                    envelope: zeroEnvelope(suite))
    }

    /// A fake record from a key pair the server derives itself (for instance from a seed bound to
    /// the credential identifier, so it is stable across attempts). Deriving the pair costs one
    /// generator multiplication and one encoding, about what decoding a stored record's key costs,
    /// so the unknown-credential path does not stand out by its timing either.
    public static func fake(clientKeyPair: OPAQUEKeyPair<Suite>, maskingKey: SecretBytes,
                            suite: Suite) throws(OPAQUEError) -> Self {
        guard maskingKey.count == suite.hashLength else { throw .invalidLength }
        return Self(clientPublicElement: clientKeyPair.publicElement, clientPublicKey: clientKeyPair.publicKey,
                    maskingKey: maskingKey, envelope: zeroEnvelope(suite))
    }

    /// The all-zero envelope of a fake record.
    private static func zeroEnvelope(_ suite: Suite) -> Envelope {
        Envelope(nonce: [UInt8](repeating: 0, count: OPAQUELengths.nonce),
                 authTag: [UInt8](repeating: 0, count: suite.macLength))
    }

    /// The stored form (RegistrationUpload): `client_public_key || masking_key || envelope`.
    /// It holds the masking key, so treat the bytes as the secret they are.
    public func serialize() -> [UInt8] { clientPublicKey + maskingKey.bytes + envelope.serialize() }

    /// Parses a stored record; the client public key must be a valid element.
    public static func deserialize(_ bytes: [UInt8], suite: Suite) throws(OPAQUEError) -> Self {
        let n = suite.group.elementLength
        var reader = try FieldReader(bytes, expectedLength: n + suite.hashLength + OPAQUELengths.nonce + suite.macLength)
        let clientPublicKey = reader.take(n)
        let element = try suite.group.deserializeElement(clientPublicKey)
        let maskingKey = SecretBytes(reader.take(suite.hashLength))
        let envelope = Envelope(nonce: reader.take(OPAQUELengths.nonce), authTag: reader.take(suite.macLength))
        return Self(clientPublicElement: element, clientPublicKey: clientPublicKey, maskingKey: maskingKey,
                    envelope: envelope)
    }
}
