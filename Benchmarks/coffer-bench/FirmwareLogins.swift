import CofferCrypto
import CofferFirmware
import CofferMemoryChip
import CofferProtocol
import OPAQUE

/// Firmware logins per second: LoginStart (attempt counter raised, KE2) and LoginFinish (KE3 check,
/// re-base written to the store, the key sealed back) on in-memory HALs with the OpenSSL engine.
/// Only the vault's own calls are timed (thread CPU time); the client's work in between is not.
/// The reference is the bare OPAQUE server figure of the same run, so the ratio is what the vault
/// adds around OPAQUE: the store, the counters and the key transport.
struct FirmwareLogins {
    let iterations: Int
    let opaqueServerLoginsPerSecond: Double

    private typealias Engine = OpenSSLCryptoEngine<P256SHA256Suite>

    func run() throws -> Measurement {
        let suite = P256SHA256Suite(keyStretching: .identity)
        let chip = MemoryChip(geometry: StoreGeometry(slotCount: 16))
        let vault = try Vault(
            board: chip.board(entropy: SeededEntropy(seed: 0xC0FF_E12), engine: Engine(suite: suite)),
            configuration: chip.configuration)
        try ok(vault.handle(.manufacture(ManufactureRequest(serial: 1)), channel: 0))
        try ok(vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 10)), channel: 0))

        let random = SeededRandom(seed: Array("coffer-bench/firmware".utf8))
        let client = OPAQUEClient(suite: suite, context: VaultOPAQUE.context)
        let id = Array("alice".utf8)
        let password = SecretBytes(Array("correct horse battery staple".utf8))
        let backupKey = random.bytes(32)

        // Register, then deposit the key: the enrolment every later login recovers from.
        let (request, registration) = try client.createRegistrationRequest(
            password: password, blind: blindScalar(suite: suite, random: random))
        let started = try RegisterStartResponse(decoding: ok(vault.handle(
            .registerStart(RegisterStartRequest(credentialID: id, attemptLimit: 10,
                                                registrationRequest: request.serialize())),
            channel: 1)))
        let record = try client.finalizeRegistrationRequest(
            state: registration,
            response: try RegistrationResponse.deserialize(started.registrationResponse, suite: suite),
            envelopeNonce: random.bytes(32)
        ).record
        try ok(vault.handle(
            .registerFinish(RegisterFinishRequest(credentialID: id, registrationRecord: record.serialize())),
            channel: 1))
        var cpu: UInt64 = 0
        _ = try login(vault, client: client, id: id, password: password, random: random, intent: .deposit,
                      backupKey: backupKey, cpu: &cpu)

        cpu = 0
        for _ in 0..<iterations {
            let recovered = try login(vault, client: client, id: id, password: password, random: random,
                                      intent: .recover, backupKey: [], cpu: &cpu)
            guard recovered == backupKey else { throw BenchFailure("the firmware released a different key") }
        }
        return Measurement(
            name: "firmware logins (memory HAL)", value: Double(iterations) / (Double(cpu) / 1e9), unit: "logins/s",
            target: 0.8, reference: .measured(name: "opaque server logins, same run", value: opaqueServerLoginsPerSecond))
    }

    /// One login with `intent`; only the vault's calls are added to `cpu`. The recovered key, if any.
    private func login(
        _ vault: Vault<ChipBoard<MemoryFuses, MemoryCounterBank, MemoryFlash, SeededEntropy, Engine>>,
        client: OPAQUEClient<P256SHA256Suite>, id: [UInt8], password: SecretBytes, random: SeededRandom,
        intent: LoginIntent, backupKey: [UInt8], cpu: inout UInt64
    ) throws -> [UInt8] {
        let suite = client.suite
        let (ke1, state) = try client.generateKE1(
            password: password, blind: blindScalar(suite: suite, random: random), clientNonce: random.bytes(32),
            clientKeyshareSeed: SecretBytes(random.bytes(32)))
        var start = threadCPUNanoseconds()
        let startReply = vault.handle(.loginStart(LoginStartRequest(credentialID: id, ke1: ke1.serialize())), channel: 1)
        cpu += threadCPUNanoseconds() - start

        let ke2 = try KE2.deserialize(LoginStartResponse(decoding: ok(startReply)).ke2, suite: suite)
        let result = try client.generateKE3(state: state, ke2: ke2)
        var sealed: [UInt8] = []
        if intent == .deposit {
            let key = try HKDF<SHA256>.deriveKey(ikm: result.sessionKey.bytes, salt: [],
                                                 info: KeyTransport.depositKeyInfo(credentialID: id), length: 32)
            sealed = try AESGCM.seal(backupKey, key: SecretBytes(key), nonce: KeyTransport.nonce,
                                     aad: KeyTransport.depositAAD)
        }
        let binding = SessionBinding.requestTag(
            sessionKey: result.sessionKey, credentialID: id, intent: intent, sealedKey: sealed)
        start = threadCPUNanoseconds()
        let finishReply = vault.handle(
            .loginFinish(LoginFinishRequest(ke3: result.ke3.serialize(), intent: intent, sealedKey: sealed,
                                            binding: binding)),
            channel: 1)
        cpu += threadCPUNanoseconds() - start

        let body = try ok(finishReply)
        guard intent == .recover else { return [] }
        let key = try HKDF<SHA256>.deriveKey(ikm: result.sessionKey.bytes, salt: [],
                                             info: KeyTransport.recoverKeyInfo(credentialID: id), length: 32)
        return try AESGCM.open(LoginFinishResponse(decoding: body).sealedKey, key: SecretBytes(key),
                               nonce: KeyTransport.nonce, aad: KeyTransport.recoverAAD)
    }

    @discardableResult
    private func ok(_ reply: VaultReply) throws -> [UInt8] {
        guard reply.status == .ok else { throw BenchFailure("the vault answered \(reply.status)") }
        return reply.body
    }
}

/// A benchmark that could not measure what it names.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
