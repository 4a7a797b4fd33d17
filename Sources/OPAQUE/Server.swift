/// The server side of OPAQUE-3DH (RFC 9807), sans I/O: the server's long-term keys and OPRF seed
/// are configuration; every random value (masking nonce, server nonce, key-share seed) is an
/// argument; the state between KE2 and KE3 is a value the caller owns.
///
/// A login costs five scalar multiplications: one OPRF evaluation, one generator multiplication for
/// the key share and three for 3DH.
public struct OPAQUEServer<Suite: OPAQUECiphersuite> {
    /// The ciphersuite both sides run.
    public let suite: Suite
    /// The application's context string, bound into every handshake transcript.
    public let context: [UInt8]
    /// The server's long-term AKE key pair.
    public let keyPair: OPAQUEKeyPair<Suite>
    /// Seed of every credential's OPRF key (`Nh` bytes).
    public let oprfSeed: SecretBytes
    /// The server identity bound into envelopes and transcripts; nil means its public key.
    public let serverIdentity: [UInt8]?

    /// A server; refuses an OPRF seed that is not `Nh` bytes and an empty identity.
    public init(suite: Suite, context: [UInt8], keyPair: OPAQUEKeyPair<Suite>, oprfSeed: SecretBytes,
                serverIdentity: [UInt8]? = nil) throws(OPAQUEError) {
        guard oprfSeed.count == suite.hashLength else { throw .invalidLength }
        if let serverIdentity, serverIdentity.isEmpty { throw .invalidLength }
        self.suite = suite
        self.context = context
        self.keyPair = keyPair
        self.oprfSeed = oprfSeed
        self.serverIdentity = serverIdentity
    }

    /// The credential's OPRF key: DeriveKeyPair(Expand(oprf_seed, id || "OprfKey", Nok),
    /// "OPAQUE-DeriveKeyPair"), private half only.
    public func oprfKey(credentialIdentifier: [UInt8]) throws(OPAQUEError) -> Suite.Group.Scalar {
        let seed = suite.expand(prk: oprfSeed.bytes, info: credentialIdentifier + ascii("OprfKey"),
                                length: suite.group.scalarLength)
        return try OPRF(suite: suite).derivePrivateKey(seed: seed, info: ascii("OPAQUE-DeriveKeyPair"))
    }

    /// CreateRegistrationResponse: evaluates the blinded password under the credential's OPRF key.
    public func createRegistrationResponse(
        request: RegistrationRequest<Suite>, credentialIdentifier: [UInt8]
    ) throws(OPAQUEError) -> RegistrationResponse<Suite> {
        let key = try oprfKey(credentialIdentifier: credentialIdentifier)
        let evaluated = try OPRF(suite: suite).blindEvaluate(key: key, blindedElement: request.blindedElement)
        return RegistrationResponse(evaluatedElement: evaluated, serverPublicKey: keyPair.publicKey, suite: suite)
    }

    /// GenerateKE2 for a stored record, or for a fake record (`RegistrationRecord.fake`) when the
    /// credential does not exist. `maskingNonce` and `serverNonce` are `Nn` random bytes,
    /// `serverKeyshareSeed` `Nseed` random bytes.
    public func generateKE2(
        ke1: KE1<Suite>, record: RegistrationRecord<Suite>, credentialIdentifier: [UInt8],
        clientIdentity: [UInt8]? = nil, maskingNonce: [UInt8], serverNonce: [UInt8], serverKeyshareSeed: SecretBytes
    ) throws(OPAQUEError) -> (ke2: KE2<Suite>, state: ServerLoginState) {
        guard maskingNonce.count == OPAQUELengths.nonce, serverNonce.count == OPAQUELengths.nonce,
              serverKeyshareSeed.count == OPAQUELengths.seed else { throw .invalidLength }
        let group = suite.group
        // CreateCredentialResponse.
        let key = try oprfKey(credentialIdentifier: credentialIdentifier)
        let evaluated = try OPRF(suite: suite).blindEvaluate(key: key, blindedElement: ke1.blindedElement)
        let evaluatedMessage = group.serialize(evaluated)
        let pad = credentialResponsePad(suite: suite, maskingKey: record.maskingKey, maskingNonce: maskingNonce)
        let maskedResponse = xor(pad, keyPair.publicKey + record.envelope.serialize())
        // AuthServerRespond.
        let credentials = try CleartextCredentials(
            serverPublicKey: keyPair.publicKey, clientPublicKey: record.clientPublicKey,
            serverIdentity: serverIdentity, clientIdentity: clientIdentity)
        let keyshare = try OPAQUEKeyPair(diffieHellmanSeed: serverKeyshareSeed, suite: suite)
        let transcript = try preamble(context: context, credentials: credentials, ke1: ke1.serialize(),
                                      credentialResponse: evaluatedMessage + maskingNonce + maskedResponse,
                                      serverNonce: serverNonce, serverPublicKeyshare: keyshare.publicKey)
        let ikm = group.serialize(try group.multiply(ke1.clientKeyshareElement, by: keyshare.privateKey))
            + group.serialize(try group.multiply(ke1.clientKeyshareElement, by: keyPair.privateKey))
            + group.serialize(try group.multiply(record.clientPublicElement, by: keyshare.privateKey))
        let transcriptHash = suite.hash(transcript)
        let keys = try OPAQUEKeySchedule(suite: suite, ikm: ikm, preambleHash: transcriptHash)
        let serverMAC = keys.serverMAC(suite: suite, preambleHash: transcriptHash)
        let expectedClientMAC = keys.clientMAC(suite: suite, preamble: transcript, serverMAC: serverMAC)
        let ke2 = KE2<Suite>(evaluatedElement: evaluated, evaluatedMessage: evaluatedMessage, maskingNonce: maskingNonce,
                             maskedResponse: maskedResponse, serverNonce: serverNonce,
                             serverKeyshare: keyshare.publicElement, serverPublicKeyshare: keyshare.publicKey,
                             serverMAC: serverMAC)
        return (ke2, ServerLoginState(keys: keys, expectedClientMAC: SecretBytes(expectedClientMAC)))
    }

    /// ServerFinish: checks the client's MAC in constant time and releases the session key.
    /// A MAC that does not verify (wrong password, or an unknown credential): `.clientAuthenticationError`.
    public func finish(state: ServerLoginState, ke3: KE3<Suite>) throws(OPAQUEError) -> SecretBytes {
        let verified = state.expectedClientMAC.withUnsafeBytes { expected in
            ke3.clientMAC.withUnsafeBytes { received in constantTimeEqual(expected, received) }
        }
        guard verified else { throw .clientAuthenticationError }
        return state.keys.sessionKey
    }
}

/// What the server keeps between GenerateKE2 and ServerFinish. Holds only secrets of this one login.
/// The session key is not readable here: only `OPAQUEServer.finish` releases it, after KE3 verifies.
public struct ServerLoginState {
    let keys: OPAQUEKeySchedule
    let expectedClientMAC: SecretBytes

    /// The handshake secret, exposed for test vectors.
    public var handshakeSecret: SecretBytes { keys.handshakeSecret }
    /// `Km2`, exposed for test vectors.
    public var serverMACKey: SecretBytes { keys.serverMACKey }
    /// `Km3`, exposed for test vectors.
    public var clientMACKey: SecretBytes { keys.clientMACKey }
}
