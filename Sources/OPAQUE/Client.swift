/// The client side of OPAQUE-3DH (RFC 9807): registration and login, sans I/O. Every random value
/// (blinds, nonces, key-share seeds) is an argument, and the state between two messages is a value
/// the caller keeps and passes back.
public struct OPAQUEClient<Suite: OPAQUECiphersuite> {
    /// The ciphersuite both sides run.
    public let suite: Suite
    /// The application's context string, bound into every handshake transcript.
    public let context: [UInt8]

    public init(suite: Suite, context: [UInt8]) {
        self.suite = suite
        self.context = context
    }

    private var oprf: OPRF<Suite> { OPRF(suite: suite) }

    /// CreateRegistrationRequest. `blind` is `Nok` uniformly random bytes; if they encode zero or a
    /// value not below the group order (`.invalidScalar`) draw again.
    public func createRegistrationRequest(
        password: SecretBytes, blind: SecretBytes
    ) throws(OPAQUEError) -> (request: RegistrationRequest<Suite>, state: ClientRegistrationState<Suite>) {
        let blindScalar = try suite.group.deserializeScalar(blind.bytes)
        let blinded = try oprf.blind(password.bytes, blind: blindScalar)
        return (RegistrationRequest(blindedElement: blinded, suite: suite),
                ClientRegistrationState(password: password, blind: blindScalar))
    }

    /// FinalizeRegistrationRequest: unblinds the OPRF output, stretches it, seals the envelope and
    /// returns the record to upload and the export key. `envelopeNonce` is `Nn` random bytes.
    public func finalizeRegistrationRequest(
        state: ClientRegistrationState<Suite>, response: RegistrationResponse<Suite>,
        serverIdentity: [UInt8]? = nil, clientIdentity: [UInt8]? = nil, envelopeNonce: [UInt8]
    ) throws(OPAQUEError) -> ClientRegistrationResult<Suite> {
        guard envelopeNonce.count == OPAQUELengths.nonce else { throw .invalidLength }
        let output = try oprf.finalize(state.password.bytes, blind: state.blind,
                                       evaluatedElement: response.evaluatedElement)
        let randomized = try randomizedPassword(suite: suite, oprfOutput: output)
        let secrets = try EnvelopeSecrets(suite: suite, randomizedPassword: randomized, nonce: envelopeNonce)
        let credentials = try CleartextCredentials(
            serverPublicKey: response.serverPublicKey, clientPublicKey: secrets.clientKeyPair.publicKey,
            serverIdentity: serverIdentity, clientIdentity: clientIdentity)
        let envelope = Envelope(nonce: envelopeNonce,
                                authTag: try secrets.authTag(suite: suite, nonce: envelopeNonce, credentials: credentials))
        let record = RegistrationRecord<Suite>(
            clientPublicElement: secrets.clientKeyPair.publicElement, clientPublicKey: secrets.clientKeyPair.publicKey,
            maskingKey: maskingKey(suite: suite, randomizedPassword: randomized), envelope: envelope)
        return ClientRegistrationResult(record: record, exportKey: secrets.exportKey, randomizedPassword: randomized,
                                        authKey: secrets.authKey)
    }

    /// GenerateKE1. `blind` as for registration; `clientNonce` is `Nn` random bytes and
    /// `clientKeyshareSeed` `Nseed` random bytes.
    public func generateKE1(
        password: SecretBytes, blind: SecretBytes, clientNonce: [UInt8], clientKeyshareSeed: SecretBytes
    ) throws(OPAQUEError) -> (ke1: KE1<Suite>, state: ClientLoginState<Suite>) {
        guard clientNonce.count == OPAQUELengths.nonce, clientKeyshareSeed.count == OPAQUELengths.seed else {
            throw .invalidLength
        }
        let (request, registrationState) = try createRegistrationRequest(password: password, blind: blind)
        let keyshare = try OPAQUEKeyPair(diffieHellmanSeed: clientKeyshareSeed, suite: suite)
        let ke1 = KE1<Suite>(blindedElement: request.blindedElement, blindedMessage: request.blindedMessage,
                             clientNonce: clientNonce, clientKeyshare: keyshare.publicElement,
                             clientPublicKeyshare: keyshare.publicKey)
        return (ke1, ClientLoginState(password: password, blind: registrationState.blind,
                                      clientSecret: keyshare.privateKey, ke1: ke1.serialize()))
    }

    /// GenerateKE3: recovers the credentials from KE2, authenticates the server and returns KE3
    /// with the session and export keys. Wrong password or tampered record: `.envelopeRecoveryError`;
    /// a server MAC that does not verify: `.serverAuthenticationError`.
    public func generateKE3(
        state: ClientLoginState<Suite>, ke2: KE2<Suite>, serverIdentity: [UInt8]? = nil, clientIdentity: [UInt8]? = nil
    ) throws(OPAQUEError) -> ClientLoginResult<Suite> {
        // RecoverCredentials.
        let output = try oprf.finalize(state.password.bytes, blind: state.blind, evaluatedElement: ke2.evaluatedElement)
        let randomized = try randomizedPassword(suite: suite, oprfOutput: output)
        let pad = credentialResponsePad(suite: suite, maskingKey: maskingKey(suite: suite, randomizedPassword: randomized),
                                        maskingNonce: ke2.maskingNonce)
        var unmasked = try FieldReader(xor(pad, ke2.maskedResponse), expectedLength: pad.count)
        let serverPublicKey = unmasked.take(suite.group.elementLength)
        let envelope = Envelope(nonce: unmasked.take(OPAQUELengths.nonce), authTag: unmasked.take(suite.macLength))
        // Recover.
        let secrets = try EnvelopeSecrets(suite: suite, randomizedPassword: randomized, nonce: envelope.nonce)
        let credentials = try CleartextCredentials(
            serverPublicKey: serverPublicKey, clientPublicKey: secrets.clientKeyPair.publicKey,
            serverIdentity: serverIdentity, clientIdentity: clientIdentity)
        let expectedTag = try secrets.authTag(suite: suite, nonce: envelope.nonce, credentials: credentials)
        guard constantTimeEqual(envelope.authTag, expectedTag) else { throw .envelopeRecoveryError }
        // AuthClientFinalize.
        let serverPublicElement = try suite.group.deserializeElement(serverPublicKey)
        let group = suite.group
        let ikm = group.serialize(try group.multiply(ke2.serverKeyshareElement, by: state.clientSecret))
            + group.serialize(try group.multiply(serverPublicElement, by: state.clientSecret))
            + group.serialize(try group.multiply(ke2.serverKeyshareElement, by: secrets.clientKeyPair.privateKey))
        let transcript = try preamble(context: context, credentials: credentials, ke1: state.ke1,
                                      credentialResponse: ke2.credentialResponse, serverNonce: ke2.serverNonce,
                                      serverPublicKeyshare: ke2.serverPublicKeyshare)
        let transcriptHash = suite.hash(transcript)
        let keys = try OPAQUEKeySchedule(suite: suite, ikm: ikm, preambleHash: transcriptHash)
        let expectedServerMAC = keys.serverMAC(suite: suite, preambleHash: transcriptHash)
        guard constantTimeEqual(ke2.serverMAC, expectedServerMAC) else { throw .serverAuthenticationError }
        let ke3 = KE3<Suite>(clientMAC: keys.clientMAC(suite: suite, preamble: transcript, serverMAC: expectedServerMAC))
        return ClientLoginResult(ke3: ke3, sessionKey: keys.sessionKey, exportKey: secrets.exportKey, keys: keys,
                                 randomizedPassword: randomized)
    }
}

/// What the client keeps between CreateRegistrationRequest and FinalizeRegistrationRequest.
public struct ClientRegistrationState<Suite: OPAQUECiphersuite> {
    let password: SecretBytes
    let blind: Suite.Group.Scalar
}

/// What the client keeps between GenerateKE1 and GenerateKE3.
public struct ClientLoginState<Suite: OPAQUECiphersuite> {
    let password: SecretBytes
    let blind: Suite.Group.Scalar
    let clientSecret: Suite.Group.Scalar
    let ke1: [UInt8]
}

/// The outcome of a registration on the client.
public struct ClientRegistrationResult<Suite: OPAQUECiphersuite> {
    /// Upload this to the server (RegistrationUpload).
    public let record: RegistrationRecord<Suite>
    /// An application key only the password holder can re-derive at login.
    public let exportKey: SecretBytes
    /// `randomized_password`, exposed for test vectors.
    public let randomizedPassword: SecretBytes
    /// The envelope's MAC key, exposed for test vectors.
    public let authKey: SecretBytes
}

/// The outcome of a successful login on the client.
public struct ClientLoginResult<Suite: OPAQUECiphersuite> {
    /// Send this to the server.
    public let ke3: KE3<Suite>
    /// The key both sides now share; the server releases its copy once KE3 verifies.
    public let sessionKey: SecretBytes
    /// The same export key as at registration.
    public let exportKey: SecretBytes
    /// Every key of the handshake, exposed for test vectors.
    public let keys: OPAQUEKeySchedule
    /// `randomized_password`, exposed for test vectors.
    public let randomizedPassword: SecretBytes
}
