// The envelope of RFC 9807 §4: Store at registration, Recover at login. The client's AKE key is
// re-derived from the randomized password; the envelope only carries a nonce and a MAC that binds
// that key to the server's public key and both identities.

/// CleartextCredentials (RFC 9807 §4.1): identities default to the public keys.
struct CleartextCredentials {
    let serverPublicKey: [UInt8]
    let serverIdentity: [UInt8]
    let clientIdentity: [UInt8]

    init(serverPublicKey: [UInt8], clientPublicKey: [UInt8], serverIdentity: [UInt8]?,
         clientIdentity: [UInt8]?) throws(OPAQUEError) {
        // identity<1..2^16-1>: an explicit identity may not be empty.
        if let serverIdentity, serverIdentity.isEmpty { throw .invalidLength }
        if let clientIdentity, clientIdentity.isEmpty { throw .invalidLength }
        self.serverPublicKey = serverPublicKey
        self.serverIdentity = serverIdentity ?? serverPublicKey
        self.clientIdentity = clientIdentity ?? clientPublicKey
    }

    func serialize() throws(OPAQUEError) -> [UInt8] {
        serverPublicKey + (try lengthPrefixed(serverIdentity)) + (try lengthPrefixed(clientIdentity))
    }
}

/// What Store and Recover derive from the randomized password and the envelope nonce.
struct EnvelopeSecrets<Suite: OPAQUECiphersuite> {
    let authKey: SecretBytes
    let exportKey: SecretBytes
    let clientKeyPair: OPAQUEKeyPair<Suite>

    init(suite: Suite, randomizedPassword: SecretBytes, nonce: [UInt8]) throws(OPAQUEError) {
        let prk = randomizedPassword.bytes
        authKey = SecretBytes(suite.expand(prk: prk, info: nonce + ascii("AuthKey"), length: suite.hashLength))
        exportKey = SecretBytes(suite.expand(prk: prk, info: nonce + ascii("ExportKey"), length: suite.hashLength))
        let seed = SecretBytes(suite.expand(prk: prk, info: nonce + ascii("PrivateKey"), length: OPAQUELengths.seed))
        clientKeyPair = try OPAQUEKeyPair(diffieHellmanSeed: seed, suite: suite)
    }

    func authTag(suite: Suite, nonce: [UInt8], credentials: CleartextCredentials) throws(OPAQUEError) -> [UInt8] {
        suite.mac(key: authKey.bytes, message: nonce + (try credentials.serialize()))
    }
}

/// `masking_key = Expand(randomized_password, "MaskingKey", Nh)`.
func maskingKey<Suite: OPAQUECiphersuite>(suite: Suite, randomizedPassword: SecretBytes) -> SecretBytes {
    SecretBytes(suite.expand(prk: randomizedPassword.bytes, info: ascii("MaskingKey"), length: suite.hashLength))
}

/// `randomized_password = Extract("", oprf_output || Stretch(oprf_output))`.
func randomizedPassword<Suite: OPAQUECiphersuite>(suite: Suite, oprfOutput: [UInt8]) throws(OPAQUEError) -> SecretBytes {
    let stretched = try suite.stretch(oprfOutput)
    return SecretBytes(suite.extract(salt: [], ikm: oprfOutput + stretched))
}

/// The pad that masks `server_public_key || envelope` in KE2.
func credentialResponsePad<Suite: OPAQUECiphersuite>(suite: Suite, maskingKey: SecretBytes,
                                                      maskingNonce: [UInt8]) -> [UInt8] {
    suite.expand(prk: maskingKey.bytes, info: maskingNonce + ascii("CredentialResponsePad"),
                 length: KE2<Suite>.maskedResponseLength(suite))
}
