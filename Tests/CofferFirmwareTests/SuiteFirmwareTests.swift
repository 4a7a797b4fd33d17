// The firmware specialised for ristretto255-SHA512: a device made for it reports it, runs the whole
// protocol with a ristretto255 client binding the empty context, and the suite burned into the fuses
// keeps a firmware of the other suite from booting on them.

import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import OPAQUE
import Testing

@testable import CofferFirmware

private typealias SuiteBoard<Suite: OPAQUECiphersuite> = ChipBoard<
    MemoryFuses, MemoryCounterBank, MemoryFlash, SeededEntropy, OpenSSLCryptoEngine<Suite>
>
private typealias RistrettoEngine = OpenSSLCryptoEngine<Ristretto255SHA512Suite>
private typealias RistrettoBoard = SuiteBoard<Ristretto255SHA512Suite>

/// The identity KSF keeps the test fast: the KSF runs on the client only.
private let ristretto = Ristretto255SHA512Suite(keyStretching: .identity)

private func ristrettoVault(_ chip: MemoryChip, boot: UInt64) throws -> Vault<RistrettoBoard> {
    try Vault(
        board: chip.board(entropy: SeededEntropy(seed: 77 + boot), engine: RistrettoEngine(suite: ristretto)),
        configuration: chip.configuration)
}

@discardableResult
private func body(_ reply: VaultReply) throws -> [UInt8] {
    guard reply.status == .ok else { throw UnexpectedStatus(status: reply.status) }
    return reply.body
}

@Suite struct SuiteFirmwareTests {
    @Test("a ristretto255 device reports its suite and a 32-byte AKE key; a P-256 device reports P-256")
    func getInfoReportsTheSuite() throws {
        let chip = MemoryChip(geometry: StoreGeometry(slotCount: 4))
        let vault = try ristrettoVault(chip, boot: 1)
        #expect(try GetInfoResponse(decoding: body(vault.handle(.getInfo, channel: 0))).suite == .ristretto255SHA512)
        try body(vault.handle(.manufacture(ManufactureRequest(serial: 7)), channel: 0))
        try body(vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 3)), channel: 0))
        let described = try GetInfoResponse(decoding: body(vault.handle(.getInfo, channel: 0)))
        #expect(described.suite == .ristretto255SHA512)
        #expect(described.akePublicKey.count == 32)
        #expect(described.identityPublicKey.count == 33, "the identity key stays ECDSA P-256")
        #expect(try chip.fuses.read()?.suite == .ristretto255SHA512)

        #expect(try info(operationalVault(ChipMemories())).suite == .p256SHA256)
    }

    @Test("fuses burned for one suite boot no firmware of the other", arguments: [false, true])
    func suiteIsBurnedIntoTheFuses(ristrettoFirst: Bool) throws {
        let memories = ChipMemories()
        if ristrettoFirst {
            let vault = try ristrettoVault(memories.chip, boot: 1)
            try body(vault.handle(.manufacture(ManufactureRequest(serial: 7)), channel: 0))
            #expect(throws: FirmwareError.suiteMismatch(fused: .ristretto255SHA512, firmware: .p256SHA256)) {
                try memories.boot()
            }
        } else {
            _ = try operationalVault(memories)
            #expect(throws: FirmwareError.suiteMismatch(fused: .p256SHA256, firmware: .ristretto255SHA512)) {
                try ristrettoVault(memories.chip, boot: 2)
            }
        }
    }

    @Test("register, deposit, recover and guesses down to destruction on ristretto255, context empty")
    func wholeProtocol() throws {
        let chip = MemoryChip(geometry: StoreGeometry(slotCount: 4))
        let vault = try ristrettoVault(chip, boot: 1)
        try body(vault.handle(.manufacture(ManufactureRequest(serial: 7)), channel: 0))
        try body(vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 2)), channel: 0))
        let client = SuiteTestClient(vault: vault, suite: ristretto, context: VaultSuite.ristretto255SHA512.context)
        let id = Array("alice".utf8)
        let key = [UInt8](repeating: 0x5A, count: 32)
        try client.register(id: id, password: Array("pw".utf8))
        #expect(try client.login(id: id, password: Array("pw".utf8), deposit: key) == .done)
        #expect(try client.login(id: id, password: Array("pw".utf8)) == .recovered(key))
        #expect(try client.login(id: id, password: Array("no".utf8)) == .wrongPassword(attemptsRemaining: 1))
        #expect(try client.login(id: id, password: Array("no".utf8)) == .wrongPassword(attemptsRemaining: 0))
        #expect(try client.login(id: id, password: Array("pw".utf8)) == .refused(.recordDestroyed))

        // The device binds the empty context: a client binding "coffer/v1" fails the server MAC.
        let other = SuiteTestClient(vault: vault, suite: ristretto, context: VaultOPAQUE.context)
        try client.register(id: Array("bob".utf8), password: Array("pw".utf8))
        #expect(try other.login(id: Array("bob".utf8), password: Array("pw".utf8)) == .serverNotAuthenticated)
    }
}

extension SuiteFirmwareTests {
    /// The device's cost of a login (LoginStart + LoginFinish, recover) in each suite, measured in the
    /// same run on the same machine. A figure for the record, not an assertion: debug build, shared
    /// machine. Both suites must still recover the key on every login.
    @Test("a firmware login in each suite: device time printed for comparison")
    func loginCostPerSuite() throws {
        let logins = 50
        func run<Suite: OPAQUECiphersuite>(_ suite: Suite) throws -> Duration {
            let chip = MemoryChip(geometry: StoreGeometry(slotCount: 4))
            let vault = try Vault(
                board: chip.board(entropy: SeededEntropy(seed: 9), engine: OpenSSLCryptoEngine(suite: suite)),
                configuration: chip.configuration)
            try body(vault.handle(.manufacture(ManufactureRequest(serial: 7)), channel: 0))
            try body(vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 10)), channel: 0))
            let client = SuiteTestClient(vault: vault, suite: suite, context: vault.servedSuite.context)
            let key = [UInt8](repeating: 1, count: 32)
            try client.register(id: [1], password: [2])
            #expect(try client.login(id: [1], password: [2], deposit: key) == .done)
            let before = client.deviceTime
            for _ in 0..<logins { #expect(try client.login(id: [1], password: [2]) == .recovered(key)) }
            return (client.deviceTime - before) / logins
        }
        let p256 = try run(P256SHA256Suite(keyStretching: .identity))
        let ristretto255 = try run(ristretto)
        print("firmware login (LoginStart + LoginFinish, device side, debug build): P256-SHA256 \(p256), "
              + "ristretto255-SHA512 \(ristretto255)")
    }
}

/// A vault client of either suite talking to the vault directly: OPAQUE with the identity KSF, the
/// session binding and the key transport of docs/PROTOCOL.md. It adds up the time the device spends
/// in LoginStart and LoginFinish (the vault's calls only, not the client's OPAQUE).
private final class SuiteTestClient<Suite: OPAQUECiphersuite> {
    enum Outcome: Equatable {
        case done
        case recovered([UInt8])
        case wrongPassword(attemptsRemaining: UInt8)
        case serverNotAuthenticated
        case refused(VaultStatus)
    }

    let vault: Vault<SuiteBoard<Suite>>
    let suite: Suite
    let opaque: OPAQUEClient<Suite>
    let random = SeededEntropy(seed: 5)
    /// Time spent inside the vault's LoginStart and LoginFinish so far.
    private(set) var deviceTime = Duration.zero

    init(vault: Vault<SuiteBoard<Suite>>, suite: Suite, context: [UInt8]) {
        self.vault = vault
        self.suite = suite
        opaque = OPAQUEClient(suite: suite, context: context)
    }

    private func blind() -> SecretBytes {
        while true {
            let candidate = random.randomBytes(32)
            if (try? suite.group.deserializeScalar(candidate)) != nil { return SecretBytes(candidate) }
        }
    }

    private func timed(_ request: VaultRequest) -> VaultReply {
        var reply: VaultReply?
        deviceTime += ContinuousClock().measure { reply = vault.handle(request, channel: 3) }
        return reply!
    }

    func register(id: [UInt8], password: [UInt8]) throws {
        let (request, state) = try opaque.createRegistrationRequest(password: SecretBytes(password), blind: blind())
        let started = try RegisterStartResponse(decoding: body(vault.handle(
            .registerStart(RegisterStartRequest(credentialID: id, attemptLimit: 0,
                                                registrationRequest: request.serialize())), channel: 3)))
        let response = try RegistrationResponse.deserialize(started.registrationResponse, suite: suite)
        let result = try opaque.finalizeRegistrationRequest(
            state: state, response: response, envelopeNonce: random.randomBytes(32))
        // RFC 9807: Npk + Nh + Nn + Nm (129 for P-256, 192 for ristretto255).
        #expect(result.record.serialize().count == suite.group.elementLength + 2 * suite.hashLength + 32)
        try body(vault.handle(
            .registerFinish(RegisterFinishRequest(credentialID: id, registrationRecord: result.record.serialize())),
            channel: 3))
    }

    func login(id: [UInt8], password: [UInt8], deposit: [UInt8]? = nil) throws -> Outcome {
        let (ke1, state) = try opaque.generateKE1(
            password: SecretBytes(password), blind: blind(), clientNonce: random.randomBytes(32),
            clientKeyshareSeed: SecretBytes(random.randomBytes(32)))
        let startReply = timed(.loginStart(LoginStartRequest(credentialID: id, ke1: ke1.serialize())))
        guard startReply.status == .ok else { return .refused(startReply.status) }
        let started = try LoginStartResponse(decoding: startReply.body)
        // Noe + Nn + (Npk + Nn + Nm) + Nn + Npk + Nm (259 for P-256, 320 for ristretto255).
        #expect(started.ke2.count == 3 * suite.group.elementLength + 3 * 32 + 2 * suite.hashLength)
        let result: ClientLoginResult<Suite>
        do {
            result = try opaque.generateKE3(state: state, ke2: KE2.deserialize(started.ke2, suite: suite))
        } catch .envelopeRecoveryError {
            return .wrongPassword(attemptsRemaining: started.attemptsRemaining)
        } catch .serverAuthenticationError {
            return .serverNotAuthenticated
        }
        #expect(result.sessionKey.bytes.count == suite.hashLength)
        var sealed: [UInt8] = []
        if let deposit {
            let key = try HKDF<SHA256>.deriveKey(
                ikm: result.sessionKey.bytes, salt: [], info: KeyTransport.depositKeyInfo(credentialID: id), length: 32)
            sealed = try AESGCMKey(bytes: key).seal(deposit, nonce: KeyTransport.nonce, aad: KeyTransport.depositAAD)
        }
        let intent: LoginIntent = deposit == nil ? .recover : .deposit
        let binding = SessionBinding.requestTag(
            sessionKey: result.sessionKey, credentialID: id, intent: intent, sealedKey: sealed)
        let finishReply = timed(
            .loginFinish(LoginFinishRequest(ke3: result.ke3.serialize(), intent: intent, sealedKey: sealed,
                                            binding: binding)))
        guard finishReply.status == .ok else { return .refused(finishReply.status) }
        let finished = try LoginFinishResponse(decoding: finishReply.body)
        #expect(SessionBinding.verifies(finished, sessionKey: result.sessionKey, credentialID: id, intent: intent))
        guard deposit == nil else { return .done }
        let key = try HKDF<SHA256>.deriveKey(
            ikm: result.sessionKey.bytes, salt: [], info: KeyTransport.recoverKeyInfo(credentialID: id), length: 32)
        return .recovered(
            try AESGCMKey(bytes: key).open(finished.sealedKey, nonce: KeyTransport.nonce, aad: KeyTransport.recoverAAD))
    }
}
