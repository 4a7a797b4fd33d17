// The login messages of RFC 9807 §6.1 (KE1, KE2, KE3) with their byte layouts. Elements are decoded
// once, when a message is parsed, and kept beside their encodings for the transcript.

/// KE1 = CredentialRequest || AuthRequest: blinded password, client nonce, client key share
/// (`Noe + Nn + Npk` bytes).
public struct KE1<Suite: OPAQUECiphersuite> {
    /// The serialized blinded password (CredentialRequest).
    public let blindedMessage: [UInt8]
    /// `Nn` fresh random bytes.
    public let clientNonce: [UInt8]
    /// The client's ephemeral public key share (`Npk` bytes).
    public let clientPublicKeyshare: [UInt8]
    let blindedElement: Suite.Group.Element
    let clientKeyshareElement: Suite.Group.Element

    init(blindedElement: Suite.Group.Element, blindedMessage: [UInt8], clientNonce: [UInt8],
         clientKeyshare: Suite.Group.Element, clientPublicKeyshare: [UInt8]) {
        self.blindedElement = blindedElement
        self.blindedMessage = blindedMessage
        self.clientNonce = clientNonce
        self.clientKeyshareElement = clientKeyshare
        self.clientPublicKeyshare = clientPublicKeyshare
    }

    /// The wire form: `blinded_message || client_nonce || client_public_keyshare`.
    public func serialize() -> [UInt8] { blindedMessage + clientNonce + clientPublicKeyshare }

    /// Parses KE1; both elements must decode to valid non-identity elements.
    public static func deserialize(_ bytes: [UInt8], suite: Suite) throws(OPAQUEError) -> Self {
        let n = suite.group.elementLength
        var reader = try FieldReader(bytes, expectedLength: 2 * n + OPAQUELengths.nonce)
        let blindedMessage = reader.take(n)
        let clientNonce = reader.take(OPAQUELengths.nonce)
        let keyshare = reader.take(n)
        return Self(blindedElement: try suite.group.deserializeElement(blindedMessage), blindedMessage: blindedMessage,
                    clientNonce: clientNonce, clientKeyshare: try suite.group.deserializeElement(keyshare),
                    clientPublicKeyshare: keyshare)
    }
}

/// KE2 = CredentialResponse || AuthResponse (`Noe + Nn + (Npk + Nn + Nm) + Nn + Npk + Nm` bytes).
public struct KE2<Suite: OPAQUECiphersuite> {
    /// The serialized OPRF evaluation of the blinded password.
    public let evaluatedMessage: [UInt8]
    /// `Nn` fresh random bytes that make the masking pad unique.
    public let maskingNonce: [UInt8]
    /// The server public key and envelope, XORed with a pad only the password can rebuild.
    public let maskedResponse: [UInt8]
    /// `Nn` fresh random bytes.
    public let serverNonce: [UInt8]
    /// The server's ephemeral public key share (`Npk` bytes).
    public let serverPublicKeyshare: [UInt8]
    /// The server's MAC over the transcript (`Nm` bytes).
    public let serverMAC: [UInt8]
    let evaluatedElement: Suite.Group.Element
    let serverKeyshareElement: Suite.Group.Element

    init(evaluatedElement: Suite.Group.Element, evaluatedMessage: [UInt8], maskingNonce: [UInt8],
         maskedResponse: [UInt8], serverNonce: [UInt8], serverKeyshare: Suite.Group.Element,
         serverPublicKeyshare: [UInt8], serverMAC: [UInt8]) {
        self.evaluatedElement = evaluatedElement
        self.evaluatedMessage = evaluatedMessage
        self.maskingNonce = maskingNonce
        self.maskedResponse = maskedResponse
        self.serverNonce = serverNonce
        self.serverKeyshareElement = serverKeyshare
        self.serverPublicKeyshare = serverPublicKeyshare
        self.serverMAC = serverMAC
    }

    /// The CredentialResponse part, as the transcript (preamble) includes it.
    public var credentialResponse: [UInt8] { evaluatedMessage + maskingNonce + maskedResponse }

    /// The wire form: CredentialResponse followed by AuthResponse.
    public func serialize() -> [UInt8] { credentialResponse + serverNonce + serverPublicKeyshare + serverMAC }

    static func maskedResponseLength(_ suite: Suite) -> Int {
        suite.group.elementLength + OPAQUELengths.nonce + suite.macLength
    }

    /// Parses KE2; both elements must decode to valid non-identity elements.
    public static func deserialize(_ bytes: [UInt8], suite: Suite) throws(OPAQUEError) -> Self {
        let n = suite.group.elementLength
        let expected = n + OPAQUELengths.nonce + maskedResponseLength(suite) + OPAQUELengths.nonce + n + suite.macLength
        var reader = try FieldReader(bytes, expectedLength: expected)
        let evaluatedMessage = reader.take(n)
        let maskingNonce = reader.take(OPAQUELengths.nonce)
        let maskedResponse = reader.take(maskedResponseLength(suite))
        let serverNonce = reader.take(OPAQUELengths.nonce)
        let keyshare = reader.take(n)
        let serverMAC = reader.take(suite.macLength)
        return Self(evaluatedElement: try suite.group.deserializeElement(evaluatedMessage),
                    evaluatedMessage: evaluatedMessage, maskingNonce: maskingNonce, maskedResponse: maskedResponse,
                    serverNonce: serverNonce, serverKeyshare: try suite.group.deserializeElement(keyshare),
                    serverPublicKeyshare: keyshare, serverMAC: serverMAC)
    }
}

/// KE3: the client's MAC over the transcript (`Nm` bytes).
public struct KE3<Suite: OPAQUECiphersuite> {
    /// The client's MAC over the transcript and the server's MAC.
    public let clientMAC: [UInt8]

    init(clientMAC: [UInt8]) { self.clientMAC = clientMAC }

    /// The wire form: the MAC alone.
    public func serialize() -> [UInt8] { clientMAC }

    /// Parses KE3: exactly `Nm` bytes.
    public static func deserialize(_ bytes: [UInt8], suite: Suite) throws(OPAQUEError) -> Self {
        guard bytes.count == suite.macLength else { throw .invalidLength }
        return Self(clientMAC: bytes)
    }
}
