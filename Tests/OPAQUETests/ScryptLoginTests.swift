import CofferCrypto
import OPAQUE
import Testing

/// Coffer's real configuration, KSF scrypt(N = 32768, r = 8, p = 1). Each client step runs scrypt
/// once, so this suite keeps to one registration and two logins.
@Suite("OPAQUE with scrypt")
struct ScryptLoginTests {
    @Test("registration and login round trip with scrypt; a wrong password is refused")
    func scryptRoundTrip() throws {
        let suite = P256SHA256Suite()
        #expect(suite.keyStretching == .scrypt)
        var random = SeededBytes(seed: 0x5eed)
        let context = Array("coffer/v1/test".utf8)
        let client = OPAQUEClient(suite: suite, context: context)
        let server = try OPAQUEServer(
            suite: suite, context: context,
            keyPair: try OPAQUEKeyPair(diffieHellmanSeed: SecretBytes(random.next(32)), suite: suite),
            oprfSeed: SecretBytes(random.next(32)))
        let password = SecretBytes(Array("open sesame".utf8))
        let id = Array("backup-1".utf8)

        let (request, state) = try client.createRegistrationRequest(password: password, blind: SecretBytes(random.next(32)))
        let response = try server.createRegistrationResponse(request: request, credentialIdentifier: id)
        let registration = try client.finalizeRegistrationRequest(state: state, response: response,
                                                                  envelopeNonce: random.next(32))
        let stored = registration.record.serialize()

        func startLogin(_ password: SecretBytes) throws
            -> (ClientLoginState<P256SHA256Suite>, KE2<P256SHA256Suite>, ServerLoginState)
        {
            let (ke1, clientState) = try client.generateKE1(password: password, blind: SecretBytes(random.next(32)),
                                                            clientNonce: random.next(32),
                                                            clientKeyshareSeed: SecretBytes(random.next(32)))
            let (ke2, serverState) = try server.generateKE2(
                ke1: try KE1.deserialize(ke1.serialize(), suite: suite),
                record: try RegistrationRecord.deserialize(stored, suite: suite), credentialIdentifier: id,
                maskingNonce: random.next(32), serverNonce: random.next(32),
                serverKeyshareSeed: SecretBytes(random.next(32)))
            return (clientState, try KE2.deserialize(ke2.serialize(), suite: suite), serverState)
        }

        let (clientState, ke2, serverState) = try startLogin(password)
        let result = try client.generateKE3(state: clientState, ke2: ke2)
        #expect(try server.finish(state: serverState, ke3: result.ke3) == result.sessionKey)
        #expect(result.exportKey == registration.exportKey)

        let (wrongState, wrongKE2, _) = try startLogin(SecretBytes(Array("open sesamE".utf8)))
        #expect(throws: OPAQUEError.envelopeRecoveryError) { try client.generateKE3(state: wrongState, ke2: wrongKE2) }
    }
}

extension ScryptLoginTests {
    /// RFC 9807's P-256 configuration: scrypt(S = zeroes(16), N = 32768, r = 8, p = 1, dkLen = 32);
    /// expected value from Python's hashlib.scrypt. Its twin: the identity KSF returns its input.
    @Test("the scrypt KSF is scrypt(S = zeroes(16), N = 32768, r = 8, p = 1, dkLen = 32)")
    func scryptConfiguration() throws {
        let input = (0..<32).map { UInt8($0) }
        #expect(try P256SHA256Suite().stretch(input)
                == hex("7c46095f796d6aa39840a5dac1b9dbf12271bb2b16fce9ab9469fba970167a39"))
        #expect(try P256SHA256Suite(keyStretching: .identity).stretch(input) == input)
    }
}

/// A deterministic byte stream for tests (SplitMix64), so runs are reproducible.
struct SeededBytes {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            withUnsafeBytes(of: z) { out.append(contentsOf: $0) }
        }
        return Array(out.prefix(count))
    }
}
