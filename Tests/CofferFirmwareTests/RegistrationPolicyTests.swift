import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import OPAQUE
import Testing

@testable import CofferFirmware

private let id = Array("policy".utf8)
private let password = Array("correct horse".utf8)
private let wrong = Array("wrong horse".utf8)
private let backupKey = [UInt8](repeating: 0x24, count: 32)

/// Issue 9, finding 5: the device caps every record's limit at the maximum it was provisioned with,
/// and says (signed) which limit it applies before the record exists.
@Test func aLimitAboveTheDevicesMaximumIsCappedAndTheCapIsWhatIsEnforced() throws {
    let vault = try operationalVault(ChipMemories())
    let reply = try TestClient(seed: 61).register(vault, id: id, password: password, limit: 255)
    #expect(try RegisterFinishResponse(decoding: expectOK(reply)).attemptLimit == VaultLimits.defaultMaxAttemptLimit)
    let info = try GetInfoResponse(decoding: expectOK(vault.handle(.getInfo, channel: 0)))
    #expect(info.maxAttemptLimit == VaultLimits.defaultMaxAttemptLimit)
    let client = TestClient(seed: 62)
    _ = try client.login(vault, id: id, password: password, intent: .deposit, backupKey: backupKey)
    for _ in 0..<Int(VaultLimits.defaultMaxAttemptLimit) {
        _ = try client.login(vault, id: id, password: wrong, intent: .recover)
    }
    #expect(try client.login(vault, id: id, password: password, intent: .recover) == .refused(.recordDestroyed))
}

@Test func provisionRefusesAPolicyWhoseDefaultIsAboveItsMaximum() throws {
    let memories = ChipMemories()
    let vault = try memories.boot()
    try expectOK(vault.handle(.manufacture(ManufactureRequest(serial: 5)), channel: 0))
    let bad = vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 5, maxAttemptLimit: 4)), channel: 0)
    #expect(bad.status == .invalidAttemptLimit)
    try expectOK(vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 5, maxAttemptLimit: 20)), channel: 0))
    let info = try GetInfoResponse(decoding: expectOK(vault.handle(.getInfo, channel: 0)))
    #expect(info.defaultAttemptLimit == 5 && info.maxAttemptLimit == 20)
}

/// Issue 9, finding 3: the RegisterStart reply is signed by the identity key over the request it
/// answers, so a client can check the evaluation and the limit before it uploads a record.
@Test func theRegistrationAnswerIsSignedOverTheRequestItAnswers() throws {
    let vault = try operationalVault(ChipMemories())
    let info = try GetInfoResponse(decoding: expectOK(vault.handle(.getInfo, channel: 0)))
    let opaque = OPAQUEClient(suite: testSuite, context: VaultOPAQUE.context)
    let (request, _) = try opaque.createRegistrationRequest(
        password: SecretBytes(password), blind: SecretBytes([UInt8](repeating: 0, count: 31) + [9]))
    let start = RegisterStartRequest(credentialID: id, attemptLimit: 4, registrationRequest: request.serialize())
    let reply = try RegisterStartResponse(decoding: expectOK(vault.handle(.registerStart(start), channel: 3)))
    #expect(reply.attemptLimit == 4)
    let key = try ECDSAVerifyingKey(sec1: info.identityPublicKey)
    let statement = RegistrationStatement.message(
        serial: info.serial, credentialID: id, attemptLimit: 4, registrationRequest: request.serialize(),
        registrationResponse: reply.registrationResponse)
    #expect(key.isValidSignature(reply.signature, for: statement))
    // The signature covers each field: another limit, id or request does not verify.
    let others = [
        RegistrationStatement.message(
            serial: info.serial, credentialID: id, attemptLimit: 255, registrationRequest: request.serialize(),
            registrationResponse: reply.registrationResponse),
        RegistrationStatement.message(
            serial: info.serial, credentialID: id + [0], attemptLimit: 4, registrationRequest: request.serialize(),
            registrationResponse: reply.registrationResponse),
        RegistrationStatement.message(
            serial: info.serial, credentialID: id, attemptLimit: 4, registrationRequest: request.serialize(),
            registrationResponse: [reply.registrationResponse[0] ^ 1] + reply.registrationResponse.dropFirst()),
    ]
    for other in others { #expect(!key.isValidSignature(reply.signature, for: other)) }
}

/// Issue 9, finding 7: per-slot counters tell which record a login hit, so a device shows them to
/// its operator only; everyone else gets the device-wide counters.
@Test func perSlotCountersAreTheOperatorsOnly() throws {
    let memories = ChipMemories()
    var configuration = memories.configuration
    configuration.showsSlotCounters = false
    let vault = try Vault(board: memories.board(), configuration: configuration)
    try expectOK(vault.handle(.manufacture(ManufactureRequest(serial: 8)), channel: 0))
    try expectOK(vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 10)), channel: 0))
    try TestClient(seed: 63).enrol(vault, id: id, password: password, backupKey: backupKey)
    let page = vault.handle(.counters(CountersRequest(firstSlot: 0, count: 8)), channel: 0)
    #expect(page.status == .operatorOnly)
    let device = try CountersResponse(
        decoding: expectOK(vault.handle(.counters(CountersRequest(firstSlot: 0, count: 0)), channel: 0)))
    #expect(device.slots.isEmpty)
    #expect(device.lifecycleCounter == 2)
    #expect(device.sealSequence == 2, "registration and deposit: two slot copies sealed")
}

/// The login holding a destroyed record's last chance lives only in the pending table; other hosts
/// open logins for free, so they must not be able to push it out before its KE3 arrives.
@Test func theLastChanceLoginIsNotEvictedByOtherLogins() throws {
    let memories = ChipMemories()
    let vault = try operationalVault(memories)
    let client = TestClient(seed: 64)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey, limit: 2)
    _ = try client.login(vault, id: id, password: wrong, intent: .recover)
    let (last, state) = try client.start(vault, id: id, password: password, channel: 1)
    #expect(try LoginStartResponse(decoding: expectOK(last)).attemptsRemaining == 0)
    let other = TestClient(seed: 65)
    for channel in 100..<UInt32(100 + 3 * vault.configuration.pendingLoginCapacity) {
        _ = try other.start(vault, id: Array("someone else".utf8), password: wrong, channel: channel)
    }
    let outcome = try client.finish(vault, started: last, state: state, id: id, intent: .recover, channel: 1)
    #expect(outcome == .recovered(backupKey))
}
