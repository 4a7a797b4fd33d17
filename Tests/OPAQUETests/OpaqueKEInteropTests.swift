import CofferCrypto
import OPAQUE
import Testing

/// Coffer's OPAQUE against Meta's opaque-ke 4.0.1 (PyPI opaque-ke-py 0.1.0, `scripts/bootstrap.sh test`), both
/// directions, at the level of RFC 9807's messages: ristretto255-SHA512, KSF Argon2id (t=2, m=19456 KiB, p=1,
/// zero salt, 64 bytes out), empty context, no identities. Byte-for-byte where a message is deterministic,
/// and equal keys at the end of every login; each negative control changes one thing on one side.
@Suite("interop with opaque-ke", .serialized)
struct OpaqueKEInteropTests {
    let suite = Ristretto255SHA512Suite()
    let password = Array("CorrectHorseBatteryStaple".utf8)
    let username = Array("alice@example.org".utf8)
    let random = SystemRandom()

    /// A Coffer server on the key material of an opaque-ke ServerSetup (oprf_seed || sk || dummy pk).
    private func cofferServer(setup: [UInt8], context: [UInt8] = Ristretto255SHA512Suite.opaqueKEContext,
                              suite: Ristretto255SHA512Suite? = nil) throws -> OPAQUEServer<Ristretto255SHA512Suite> {
        let suite = suite ?? self.suite
        return try OPAQUEServer(suite: suite, context: context,
                                keyPair: try OPAQUEKeyPair(privateKey: SecretBytes(Array(setup[64..<96])),
                                                           suite: suite),
                                oprfSeed: SecretBytes(Array(setup[0..<64])))
    }

    @Test("an opaque-ke client registers and logs in at a Coffer server: same session and export keys")
    func opaqueKEClientWithCofferServer() throws {
        let peer = try OpaqueKEPeer()
        let setup = random.bytes(64) + (try randomScalar(suite, random)).bytes + [UInt8](repeating: 0, count: 32)
        let server = try cofferServer(setup: setup)
        // Registration: opaque-ke's client, Coffer's server.
        let start = try peer.call("client_registration_start", password)
        let response = try server.createRegistrationResponse(
            request: try RegistrationRequest.deserialize(start[0], suite: suite), credentialIdentifier: username)
        let finish = try peer.call("client_registration_finish", password, start[1], response.serialize())
        let record = try RegistrationRecord.deserialize(finish[0], suite: suite)
        // Login.
        let loginStart = try peer.call("client_login_start", password)
        let (ke2, state) = try server.generateKE2(
            ke1: try KE1.deserialize(loginStart[0], suite: suite), record: record, credentialIdentifier: username,
            maskingNonce: random.bytes(32), serverNonce: random.bytes(32),
            serverKeyshareSeed: SecretBytes(random.bytes(32)))
        let loginFinish = try peer.call("client_login_finish", password, loginStart[1], ke2.serialize())
        let sessionKey = try server.finish(state: state, ke3: try KE3.deserialize(loginFinish[0], suite: suite))
        #expect(sessionKey.bytes == loginFinish[1])
        #expect(loginFinish[2] == finish[1], "opaque-ke's export key at login equals the one at registration")
        #expect(sessionKey.count == 64)

        // A wrong password: opaque-ke's client refuses Coffer's KE2; Coffer's server refuses a KE3 it never got.
        let wrongStart = try peer.call("client_login_start", Array("CorrectHorseBatteryStapler".utf8))
        let (wrongKE2, wrongState) = try server.generateKE2(
            ke1: try KE1.deserialize(wrongStart[0], suite: suite), record: record, credentialIdentifier: username,
            maskingNonce: random.bytes(32), serverNonce: random.bytes(32),
            serverKeyshareSeed: SecretBytes(random.bytes(32)))
        #expect(throws: OpaqueKEPeer.Refusal.self) {
            try peer.call("client_login_finish", Array("CorrectHorseBatteryStapler".utf8), wrongStart[1],
                          wrongKE2.serialize())
        }
        #expect(throws: OPAQUEError.clientAuthenticationError) {
            try server.finish(state: wrongState, ke3: try KE3.deserialize(loginFinish[0], suite: suite))
        }
    }

    @Test("a Coffer client registers and logs in at an opaque-ke server: same session and export keys")
    func cofferClientWithOpaqueKEServer() throws {
        let peer = try OpaqueKEPeer()
        let setup = try peer.call("server_setup")[0]
        let client = OPAQUEClient(suite: suite, context: Ristretto255SHA512Suite.opaqueKEContext)
        let (request, registrationState) = try client.createRegistrationRequest(
            password: SecretBytes(password), blind: try randomScalar(suite, random))
        let response = try peer.call("server_registration_start", setup, request.serialize(), username)[0]
        let registration = try client.finalizeRegistrationRequest(
            state: registrationState, response: try RegistrationResponse.deserialize(response, suite: suite),
            envelopeNonce: random.bytes(32))
        let passwordFile = try peer.call("server_registration_finish", registration.record.serialize())[0]
        #expect(passwordFile == registration.record.serialize())

        let (ke1, loginState) = try client.generateKE1(
            password: SecretBytes(password), blind: try randomScalar(suite, random), clientNonce: random.bytes(32),
            clientKeyshareSeed: SecretBytes(random.bytes(32)))
        let serverStart = try peer.call("server_login_start", setup, passwordFile, ke1.serialize(), username)
        let login = try client.generateKE3(state: loginState, ke2: try KE2.deserialize(serverStart[0], suite: suite))
        let serverKey = try peer.call("server_login_finish", serverStart[1], login.ke3.serialize())[0]
        #expect(login.sessionKey.bytes == serverKey)
        #expect(login.exportKey == registration.exportKey)

        // A wrong password: Coffer's client refuses opaque-ke's KE2; opaque-ke's server refuses a KE3 that
        // belongs to another login.
        let (wrongKE1, wrongState) = try client.generateKE1(
            password: SecretBytes(Array("CorrectHorseBatteryStapler".utf8)), blind: try randomScalar(suite, random),
            clientNonce: random.bytes(32), clientKeyshareSeed: SecretBytes(random.bytes(32)))
        let wrongStart = try peer.call("server_login_start", setup, passwordFile, wrongKE1.serialize(), username)
        #expect(throws: OPAQUEError.envelopeRecoveryError) {
            try client.generateKE3(state: wrongState, ke2: try KE2.deserialize(wrongStart[0], suite: suite))
        }
        #expect(throws: OpaqueKEPeer.Refusal.self) {
            try peer.call("server_login_finish", wrongStart[1], login.ke3.serialize())
        }
    }

    /// opaque-ke's own randomness, recovered from what it hands out (the blind from its client state, the
    /// envelope nonce from its upload, the masking nonce from its KE2), replayed through Coffer: every
    /// deterministic message comes out byte for byte.
    @Test("Coffer reproduces opaque-ke's registration and credential response byte for byte")
    func byteForByte() throws {
        let peer = try OpaqueKEPeer()
        let setup = try peer.call("server_setup")[0]
        let server = try cofferServer(setup: setup)
        let client = OPAQUEClient(suite: suite, context: Ristretto255SHA512Suite.opaqueKEContext)

        let start = try peer.call("client_registration_start", password)
        let (request, state) = try client.createRegistrationRequest(password: SecretBytes(password),
                                                                    blind: SecretBytes(Array(start[1][0..<32])))
        #expect(request.serialize() == start[0], "RegistrationRequest")
        let theirResponse = try peer.call("server_registration_start", setup, start[0], username)[0]
        let ourResponse = try server.createRegistrationResponse(request: request, credentialIdentifier: username)
        #expect(ourResponse.serialize() == theirResponse, "RegistrationResponse (OPRF key, evaluation, server key)")
        let finish = try peer.call("client_registration_finish", password, start[1], theirResponse)
        let registration = try client.finalizeRegistrationRequest(
            state: state, response: ourResponse, envelopeNonce: Array(finish[0][96..<128]))
        #expect(registration.record.serialize() == finish[0], "RegistrationUpload (Argon2id, envelope, keys)")
        #expect(registration.exportKey.bytes == finish[1], "export key")

        // Login: opaque-ke's KE1 and KE2; Coffer's server answers the same KE1 with opaque-ke's masking nonce.
        let loginStart = try peer.call("client_login_start", password)
        let serverStart = try peer.call("server_login_start", setup, finish[0], loginStart[0], username)
        let theirKE2 = serverStart[0]
        let (ourKE2, _) = try server.generateKE2(
            ke1: try KE1.deserialize(loginStart[0], suite: suite), record: registration.record,
            credentialIdentifier: username, maskingNonce: Array(theirKE2[32..<64]), serverNonce: random.bytes(32),
            serverKeyshareSeed: SecretBytes(random.bytes(32)))
        #expect(ourKE2.credentialResponse == Array(theirKE2[0..<192]), "CredentialResponse")
        let (ke1, _) = try client.generateKE1(
            password: SecretBytes(password), blind: SecretBytes(Array(loginStart[1][0..<32])),
            clientNonce: Array(loginStart[0][32..<64]), clientKeyshareSeed: SecretBytes(random.bytes(32)))
        #expect(Array(ke1.serialize()[0..<64]) == Array(loginStart[0][0..<64]), "KE1 blinded message and nonce")
    }

    /// The negative controls: one side with another KSF, other Argon2 costs, or a context, and the login that
    /// succeeds in the tests above fails, at the side that can tell.
    @Test("a Coffer client with another KSF or Argon2 cost cannot log in to an opaque-ke registration",
          arguments: [Ristretto255SHA512Suite.KeyStretching.identity,
                      .argon2id(Argon2idParameters(iterations: 3, memoryKiB: 19456)),
                      .argon2id(Argon2idParameters(iterations: 2, memoryKiB: 19455))])
    func otherStretchingFails(_ stretching: Ristretto255SHA512Suite.KeyStretching) throws {
        let peer = try OpaqueKEPeer()
        let setup = try peer.call("server_setup")[0]
        let start = try peer.call("client_registration_start", password)
        let response = try peer.call("server_registration_start", setup, start[0], username)[0]
        let upload = try peer.call("client_registration_finish", password, start[1], response)[0]
        let passwordFile = try peer.call("server_registration_finish", upload)[0]

        let other = Ristretto255SHA512Suite(keyStretching: stretching)
        let client = OPAQUEClient(suite: other, context: Ristretto255SHA512Suite.opaqueKEContext)
        let (ke1, state) = try client.generateKE1(
            password: SecretBytes(password), blind: try randomScalar(other, random), clientNonce: random.bytes(32),
            clientKeyshareSeed: SecretBytes(random.bytes(32)))
        let serverStart = try peer.call("server_login_start", setup, passwordFile, ke1.serialize(), username)
        #expect(throws: OPAQUEError.envelopeRecoveryError) {
            try client.generateKE3(state: state, ke2: try KE2.deserialize(serverStart[0], suite: other))
        }
    }

    @Test("a context on one side only makes the login fail in both directions")
    func contextMismatchFails() throws {
        let peer = try OpaqueKEPeer()
        let setup = try peer.call("server_setup")[0]
        let context = Array("coffer".utf8)
        // opaque-ke client (empty context) against a Coffer server with a context: the client refuses KE2.
        let server = try cofferServer(setup: setup, context: context)
        let start = try peer.call("client_registration_start", password)
        let response = try server.createRegistrationResponse(
            request: try RegistrationRequest.deserialize(start[0], suite: suite), credentialIdentifier: username)
        let upload = try peer.call("client_registration_finish", password, start[1], response.serialize())[0]
        let loginStart = try peer.call("client_login_start", password)
        let (ke2, _) = try server.generateKE2(
            ke1: try KE1.deserialize(loginStart[0], suite: suite),
            record: try RegistrationRecord.deserialize(upload, suite: suite), credentialIdentifier: username,
            maskingNonce: random.bytes(32), serverNonce: random.bytes(32),
            serverKeyshareSeed: SecretBytes(random.bytes(32)))
        #expect(throws: OpaqueKEPeer.Refusal.self) {
            try peer.call("client_login_finish", password, loginStart[1], ke2.serialize())
        }
        // A Coffer client with a context against opaque-ke's server (empty context): the client refuses KE2.
        let client = OPAQUEClient(suite: suite, context: context)
        let (ke1, state) = try client.generateKE1(
            password: SecretBytes(password), blind: try randomScalar(suite, random), clientNonce: random.bytes(32),
            clientKeyshareSeed: SecretBytes(random.bytes(32)))
        let passwordFile = try peer.call("server_registration_finish", upload)[0]
        let serverStart = try peer.call("server_login_start", setup, passwordFile, ke1.serialize(), username)
        #expect(throws: OPAQUEError.serverAuthenticationError) {
            try client.generateKE3(state: state, ke2: try KE2.deserialize(serverStart[0], suite: suite))
        }
    }
}
