import CofferCrypto
import OPAQUE

/// OPAQUE server logins per second: KE1 → KE2 plus the KE3 check, with the stored record parsed
/// each time as a server reading it from its store would. Client work runs between the timed
/// spans and is not counted. The reference is `openssl speed ecdhp256` divided by the five P-256
/// scalar multiplications a server login needs (OPRF evaluation, key-share generation, 3 × 3DH).
struct OPAQUEServerLogins {
    let iterations: Int

    func run() throws -> Measurement {
        // The KSF runs on the client only; Identity keeps the untimed client side short.
        let perSecond = try serverLoginsPerSecond(suite: P256SHA256Suite(keyStretching: .identity),
                                                  iterations: iterations)
        return Measurement(
            name: "opaque server logins", value: perSecond,
            unit: "logins/s", target: 0.95, reference: .openssl("ecdhp256", divisor: 5))
    }
}

/// Server logins per CPU-second with `suite`, as `OPAQUEServerLogins` measures them.
func serverLoginsPerSecond<Suite: OPAQUECiphersuite>(suite: Suite, iterations: Int) throws -> Double {
    let logins = try ServerLogins(suite: suite)
    return Double(iterations) / (Double(try logins.run(iterations)) / 1e9)
}

/// A server and a client of one suite with a registered credential, for logins measured in batches
/// (so that a figure can interleave them with the batches of its reference).
struct ServerLogins<Suite: OPAQUECiphersuite> {
    let suite: Suite
    private let random = SeededRandom(seed: Array("coffer-bench/opaque".utf8))
    private let server: OPAQUEServer<Suite>
    private let client: OPAQUEClient<Suite>
    private let id = Array("alice".utf8)
    private let password = SecretBytes(Array("correct horse battery staple".utf8))
    private let recordBytes: [UInt8]

    init(suite: Suite) throws {
        self.suite = suite
        let context = Array("coffer-bench".utf8)
        server = try OPAQUEServer(
            suite: suite, context: context,
            keyPair: try OPAQUEKeyPair(diffieHellmanSeed: SecretBytes(random.bytes(32)), suite: suite),
            oprfSeed: SecretBytes(random.bytes(suite.hashLength)))
        client = OPAQUEClient(suite: suite, context: context)
        let (request, registrationState) = try client.createRegistrationRequest(
            password: password, blind: blindScalar(group: suite.group, random: random))
        let response = try server.createRegistrationResponse(request: request, credentialIdentifier: id)
        recordBytes = try client.finalizeRegistrationRequest(
            state: registrationState, response: response, envelopeNonce: random.bytes(32)
        ).record.serialize()
    }

    /// Runs `count` logins; returns the server's CPU time over them in nanoseconds.
    func run(_ count: Int) throws -> UInt64 {
        var serverNanoseconds: UInt64 = 0
        for _ in 0..<count {
            let (ke1, clientState) = try client.generateKE1(
                password: password, blind: blindScalar(group: suite.group, random: random),
                clientNonce: random.bytes(32), clientKeyshareSeed: SecretBytes(random.bytes(32)))
            let ke1Bytes = ke1.serialize()
            let maskingNonce = random.bytes(32), serverNonce = random.bytes(32)
            let serverSeed = SecretBytes(random.bytes(32))

            var start = threadCPUNanoseconds()
            let record = try RegistrationRecord<Suite>.deserialize(recordBytes, suite: suite)
            let (ke2, serverState) = try server.generateKE2(
                ke1: try KE1.deserialize(ke1Bytes, suite: suite), record: record, credentialIdentifier: id,
                maskingNonce: maskingNonce, serverNonce: serverNonce, serverKeyshareSeed: serverSeed)
            let ke2Bytes = ke2.serialize()
            serverNanoseconds += threadCPUNanoseconds() - start

            let ke3Bytes = try client.generateKE3(
                state: clientState, ke2: try KE2.deserialize(ke2Bytes, suite: suite)
            ).ke3.serialize()

            start = threadCPUNanoseconds()
            _ = try server.finish(state: serverState, ke3: try KE3.deserialize(ke3Bytes, suite: suite))
            serverNanoseconds += threadCPUNanoseconds() - start
        }
        return serverNanoseconds
    }
}

/// A uniformly random non-zero scalar below the group order, drawn as RFC 9497's Blind does.
func blindScalar<Group: PrimeOrderGroup>(group: Group, random: SeededRandom) -> SecretBytes {
    while true {
        let candidate = random.bytes(group.scalarLength)
        if (try? group.deserializeScalar(candidate)) != nil { return SecretBytes(candidate) }
    }
}

/// blindScalar for P-256 (the firmware bench's spelling).
func blindScalar(suite: P256SHA256Suite, random: SeededRandom) -> SecretBytes {
    blindScalar(group: suite.group, random: random)
}
