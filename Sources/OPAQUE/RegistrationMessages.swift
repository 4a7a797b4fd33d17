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

    public func serialize() -> [UInt8] { blindedMessage }

    /// Parses and validates a request: exactly `Noe` bytes holding a valid non-identity element.
    public static func deserialize(_ bytes: [UInt8], suite: Suite) throws(OPAQUEError) -> Self {
        guard bytes.count == suite.group.elementLength else { throw .invalidLength }
        return Self(blindedElement: try suite.group.deserializeElement(bytes), suite: suite)
    }
}

/// RegistrationResponse: the evaluated element and the server's public key (`Noe + Npk` bytes).
public struct RegistrationResponse<Suite: OPAQUECiphersuite> {
    public let evaluatedMessage: [UInt8]
    public let serverPublicKey: [UInt8]
    let evaluatedElement: Suite.Group.Element

    init(evaluatedElement: Suite.Group.Element, serverPublicKey: [UInt8], suite: Suite) {
        self.evaluatedElement = evaluatedElement
        evaluatedMessage = suite.group.serialize(evaluatedElement)
        self.serverPublicKey = serverPublicKey
    }

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
    public let nonce: [UInt8]
    public let authTag: [UInt8]

    public init(nonce: [UInt8], authTag: [UInt8]) {
        self.nonce = nonce
        self.authTag = authTag
    }

    public func serialize() -> [UInt8] { nonce + authTag }
}

/// RegistrationRecord: what the server stores per credential (`Npk + Nh + Nn + Nm` bytes).
public struct RegistrationRecord<Suite: OPAQUECiphersuite> {
    public let clientPublicKey: [UInt8]
    /// Key of the pad that masks the server's credential response; a server-side secret.
    public let maskingKey: SecretBytes
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
        let envelope = Envelope(nonce: [UInt8](repeating: 0, count: OPAQUELengths.nonce),
                                authTag: [UInt8](repeating: 0, count: suite.macLength))
        return Self(clientPublicElement: element, clientPublicKey: clientPublicKey, maskingKey: maskingKey,
                    envelope: envelope)
    }

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
