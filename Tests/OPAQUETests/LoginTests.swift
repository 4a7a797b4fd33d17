import CofferCrypto
import OPAQUE
import Testing

/// Registration and login pumped between client and server in memory, and what each side does
/// with a message that was tampered with on the way.
@Suite("OPAQUE login")
struct LoginTests {
    let scenario = VectorScenario()

    @Test("client and server agree on the session key and the export key survives")
    func loginAgrees() throws {
        let (request, state) = try scenario.client.createRegistrationRequest(password: scenario.password,
                                                                             blind: scenario.blindRegistration)
        let response = try scenario.server().createRegistrationResponse(
            request: request, credentialIdentifier: scenario.credentialIdentifier)
        let registration = try scenario.client.finalizeRegistrationRequest(
            state: state, response: response, envelopeNonce: scenario.envelopeNonce)
        let (ke1, clientState) = try scenario.ke1()
        let (ke2, serverState) = try scenario.ke2(ke1, record: registration.record)
        let login = try scenario.client.generateKE3(state: clientState, ke2: ke2)
        let serverKey = try scenario.server().finish(state: serverState, ke3: login.ke3)
        #expect(serverKey == login.sessionKey)
        #expect(login.exportKey == registration.exportKey)
        #expect(serverKey.count == 32)
    }

    @Test("a wrong password fails at the client with an envelope error")
    func wrongPasswordFails() throws {
        let record = try scenario.register()
        let (ke1, state) = try scenario.ke1(password: SecretBytes(Array("CorrectHorseBatteryStapler".utf8)))
        let (ke2, _) = try scenario.ke2(ke1, record: record)
        #expect(throws: OPAQUEError.envelopeRecoveryError) { try scenario.client.generateKE3(state: state, ke2: ke2) }
    }

    @Test("KE2 with a flipped bit is refused by the client", arguments: [
        // (offset into KE2, expected refusal); KE2 = evaluated(33) | masking nonce(32) | masked(97) |
        // server nonce(32) | server key share(33) | server MAC(32).
        (40, OPAQUEError.envelopeRecoveryError),       // masking nonce
        (70, OPAQUEError.envelopeRecoveryError),       // masked server public key
        (150, OPAQUEError.envelopeRecoveryError),      // masked envelope tag
        (170, OPAQUEError.serverAuthenticationError),  // server nonce
        (260 - 1, OPAQUEError.serverAuthenticationError), // last byte of the server MAC
    ])
    func corruptedKE2IsRefused(offset: Int, refusal: OPAQUEError) throws {
        let record = try scenario.register()
        let (ke1, state) = try scenario.ke1()
        let bytes = try scenario.ke2(ke1, record: record).0.serialize()
        #expect(bytes.count == 259)
        let corrupted = flippingBit(bytes, at: min(offset, bytes.count - 1))
        #expect(throws: refusal) {
            try scenario.client.generateKE3(state: state, ke2: try KE2.deserialize(corrupted, suite: scenario.suite))
        }
    }

    @Test("KE2 with a changed evaluated element or key share is refused by the client")
    func corruptedKE2ElementsAreRefused() throws {
        let record = try scenario.register()
        let (ke1, state) = try scenario.ke1()
        let bytes = try scenario.ke2(ke1, record: record).0.serialize()
        for offset in [0, 5, 32, 194, 200, 226] {
            // Either the bytes no longer decode to a point, or they decode to another one and a MAC fails.
            #expect(throws: OPAQUEError.self) {
                try scenario.client.generateKE3(
                    state: state, ke2: try KE2.deserialize(flippingBit(bytes, at: offset), suite: scenario.suite))
            }
        }
    }

    @Test("KE3 with a flipped bit is refused by the server", arguments: [0, 13, 31])
    func corruptedKE3IsRefused(offset: Int) throws {
        let record = try scenario.register()
        let (ke1, state) = try scenario.ke1()
        let (ke2, serverState) = try scenario.ke2(ke1, record: record)
        let ke3 = try scenario.client.generateKE3(state: state, ke2: ke2).ke3
        let corrupted = try KE3.deserialize(flippingBit(ke3.serialize(), at: offset, bit: 7), suite: scenario.suite)
        #expect(throws: OPAQUEError.clientAuthenticationError) { try scenario.server().finish(state: serverState, ke3: corrupted) }
        // The untouched KE3 still verifies against the same state.
        _ = try scenario.server().finish(state: serverState, ke3: ke3)
    }

    @Test("a KE1 altered on the way makes the client refuse the server's KE2")
    func corruptedKE1IsDetected() throws {
        let record = try scenario.register()
        let (ke1, state) = try scenario.ke1()
        let altered = try KE1.deserialize(flippingBit(ke1.serialize(), at: 40), suite: scenario.suite) // client nonce
        let (ke2, _) = try scenario.ke2(altered, record: record)
        #expect(throws: OPAQUEError.serverAuthenticationError) { try scenario.client.generateKE3(state: state, ke2: ke2) }
    }

    @Test("an unknown credential gets a well-formed fake KE2 that no password opens")
    func fakeKE2IsIndistinguishableButUseless() throws {
        let fakeKey = try OPAQUEKeyPair(diffieHellmanSeed: SecretBytes([UInt8](repeating: 7, count: 32)),
                                        suite: scenario.suite)
        let fake = try RegistrationRecord.fake(clientPublicKey: fakeKey.publicKey,
                                               maskingKey: SecretBytes([UInt8](repeating: 9, count: 32)),
                                               suite: scenario.suite)
        let sameFake = try RegistrationRecord.fake(clientKeyPair: fakeKey,
                                                   maskingKey: SecretBytes([UInt8](repeating: 9, count: 32)),
                                                   suite: scenario.suite)
        #expect(sameFake.serialize() == fake.serialize())
        #expect(fake.serialize().count == (try scenario.register()).serialize().count)
        let (ke1, state) = try scenario.ke1()
        let (ke2, serverState) = try scenario.ke2(ke1, record: fake)
        #expect(ke2.serialize().count == 259)
        #expect(throws: OPAQUEError.envelopeRecoveryError) { try scenario.client.generateKE3(state: state, ke2: ke2) }
        #expect(throws: OPAQUEError.clientAuthenticationError) {
            try scenario.server().finish(state: serverState, ke3: try KE3.deserialize([UInt8](repeating: 0, count: 32),
                                                                                      suite: scenario.suite))
        }
    }

    @Test("identities bind: a login with other identities than registration fails")
    func identitiesAreBound() throws {
        let suite = scenario.suite
        let server = try OPAQUEServer(suite: suite, context: scenario.context,
                                      keyPair: try OPAQUEKeyPair(privateKey: scenario.serverPrivateKey, suite: suite),
                                      oprfSeed: scenario.oprfSeed, serverIdentity: Array("bob".utf8))
        let (request, state) = try scenario.client.createRegistrationRequest(password: scenario.password,
                                                                             blind: scenario.blindRegistration)
        let response = try server.createRegistrationResponse(request: request,
                                                             credentialIdentifier: scenario.credentialIdentifier)
        let record = try scenario.client.finalizeRegistrationRequest(
            state: state, response: response, serverIdentity: Array("bob".utf8), clientIdentity: Array("alice".utf8),
            envelopeNonce: scenario.envelopeNonce).record
        let (ke1, loginState) = try scenario.ke1()
        let (ke2, serverState) = try server.generateKE2(
            ke1: ke1, record: record, credentialIdentifier: scenario.credentialIdentifier,
            clientIdentity: Array("alice".utf8), maskingNonce: scenario.maskingNonce, serverNonce: scenario.serverNonce,
            serverKeyshareSeed: scenario.serverKeyshareSeed)
        #expect(throws: OPAQUEError.envelopeRecoveryError) {
            try scenario.client.generateKE3(state: loginState, ke2: ke2, serverIdentity: Array("bob".utf8),
                                            clientIdentity: Array("mallory".utf8))
        }
        let login = try scenario.client.generateKE3(state: loginState, ke2: ke2, serverIdentity: Array("bob".utf8),
                                                    clientIdentity: Array("alice".utf8))
        #expect(try server.finish(state: serverState, ke3: login.ke3) == login.sessionKey)
    }

    @Test("a server with another context string is not authenticated by the client")
    func contextIsBound() throws {
        let record = try scenario.register()
        let (ke1, state) = try scenario.ke1()
        let other = try OPAQUEServer(suite: scenario.suite, context: Array("OTHER".utf8),
                                     keyPair: try OPAQUEKeyPair(privateKey: scenario.serverPrivateKey, suite: scenario.suite),
                                     oprfSeed: scenario.oprfSeed)
        let (ke2, _) = try other.generateKE2(ke1: ke1, record: record, credentialIdentifier: scenario.credentialIdentifier,
                                             maskingNonce: scenario.maskingNonce, serverNonce: scenario.serverNonce,
                                             serverKeyshareSeed: scenario.serverKeyshareSeed)
        #expect(throws: OPAQUEError.serverAuthenticationError) { try scenario.client.generateKE3(state: state, ke2: ke2) }
    }
}
