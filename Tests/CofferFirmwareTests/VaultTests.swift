import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import OPAQUE
import Testing

@testable import CofferFirmware

private let id = Array("alice".utf8)
private let password = Array("hunter2".utf8)
private let backupKey = (0..<32).map { UInt8($0) }

@Test func depositThenRecoverReturnsTheKey() throws {
    let vault = try operationalVault(ChipMemories())
    let client = TestClient(seed: 11)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey)
    #expect(try client.login(vault, id: id, password: password, intent: .recover) == .recovered(backupKey))
}

@Test func recoverSurvivesARestart() throws {
    let memories = ChipMemories()
    let client = TestClient(seed: 12)
    try client.enrol(try operationalVault(memories), id: id, password: password, backupKey: backupKey)
    #expect(try client.login(memories.boot(), id: id, password: password, intent: .recover) == .recovered(backupKey))
}

@Test func registeringAnExistingIDIsRefused() throws {
    let vault = try operationalVault(ChipMemories())
    let client = TestClient(seed: 13)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey)
    #expect(try client.register(vault, id: id, password: Array("other".utf8)).status == .credentialExists)
    #expect(try client.login(vault, id: id, password: password, intent: .recover) == .recovered(backupKey))
}

@Test func unknownIDGetsAFakeKE2OfTheSameSize() throws {
    let vault = try operationalVault(ChipMemories())
    let client = TestClient(seed: 14)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey)
    let (real, _) = try client.start(vault, id: id, password: Array("guess".utf8), channel: 1)
    let (fake, _) = try client.start(vault, id: Array("mallory".utf8), password: Array("guess".utf8), channel: 2)
    #expect(real.status == .ok && fake.status == .ok)
    #expect(real.body.count == fake.body.count)
    let realKE2 = try LoginStartResponse(decoding: real.body)
    let fakeKE2 = try LoginStartResponse(decoding: fake.body)
    #expect(realKE2.attemptsRemaining == fakeKE2.attemptsRemaining)
    #expect(try KE2.deserialize(fakeKE2.ke2, suite: testSuite).serialize() == fakeKE2.ke2)
}

@Test func unknownIDLooksLikeAWrongPassword() throws {
    let vault = try operationalVault(ChipMemories())
    let client = TestClient(seed: 15)
    let outcome = try client.login(vault, id: Array("nobody".utf8), password: password, intent: .recover)
    #expect(outcome == .wrongPassword(attemptsRemaining: 9))
}

@Test func forgedKE3ForAnUnknownIDIsRefused() throws {
    let vault = try operationalVault(ChipMemories())
    let client = TestClient(seed: 16)
    _ = try client.start(vault, id: Array("nobody".utf8), password: password, channel: 3)
    let finish = vault.handle(
        .loginFinish(LoginFinishRequest(ke3: [UInt8](repeating: 1, count: 32), intent: .recover, binding: [UInt8](repeating: 0, count: SessionBinding.tagLength))), channel: 3)
    #expect(finish == VaultReply(status: .authenticationFailed))
}

@Test func wrongKE3IsRefusedAndDoesNotReset() throws {
    let vault = try operationalVault(ChipMemories())
    let client = TestClient(seed: 17)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey, limit: 5)
    _ = try client.start(vault, id: id, password: password, channel: 4)
    let finish = vault.handle(
        .loginFinish(LoginFinishRequest(ke3: [UInt8](repeating: 1, count: 32), intent: .recover, binding: [UInt8](repeating: 0, count: SessionBinding.tagLength))), channel: 4)
    #expect(finish == VaultReply(status: .authenticationFailed))
    #expect(
        try client.login(vault, id: id, password: Array("x".utf8), intent: .recover)
            == .wrongPassword(attemptsRemaining: 3))
}

@Test func loginFinishWithoutAStartIsRefused() throws {
    let vault = try operationalVault(ChipMemories())
    let finish = vault.handle(
        .loginFinish(LoginFinishRequest(ke3: [UInt8](repeating: 1, count: 32), intent: .recover, binding: [UInt8](repeating: 0, count: SessionBinding.tagLength))), channel: 5)
    #expect(finish == VaultReply(status: .noPendingLogin))
}

@Test func deleteFreesTheSlotAndTheID() throws {
    let vault = try operationalVault(ChipMemories())
    let client = TestClient(seed: 18)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey)
    #expect(try client.login(vault, id: id, password: password, intent: .delete) == .done)
    #expect(try info(vault).recordCount == 0)
    #expect(
        try client.login(vault, id: id, password: password, intent: .recover) == .wrongPassword(attemptsRemaining: 9))
    try client.enrol(vault, id: id, password: Array("new".utf8), backupKey: [UInt8](repeating: 1, count: 32))
}

@Test func secondDepositIsRefusedAndTheFirstKeyKept() throws {
    let vault = try operationalVault(ChipMemories())
    let client = TestClient(seed: 19)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey)
    let again = try client.login(
        vault, id: id, password: password, intent: .deposit, backupKey: [UInt8](repeating: 9, count: 32))
    #expect(again == .refused(.keyAlreadyDeposited))
    #expect(try client.login(vault, id: id, password: password, intent: .recover) == .recovered(backupKey))
}

@Test func recoverBeforeDepositIsRefused() throws {
    let vault = try operationalVault(ChipMemories())
    let client = TestClient(seed: 20)
    try expectOK(client.register(vault, id: id, password: password))
    #expect(try client.login(vault, id: id, password: password, intent: .recover) == .refused(.noKeyDeposited))
}

@Test func fullStoreRefusesClearly() throws {
    let vault = try operationalVault(ChipMemories(slots: 2))
    let client = TestClient(seed: 21)
    try expectOK(client.register(vault, id: [1], password: password))
    try expectOK(client.register(vault, id: [2], password: password))
    #expect(try client.register(vault, id: [3], password: password).status == .storeFull)
}

@Test func tombstoneTellsTheOwnerThenGivesWayWhenTheStoreIsFull() throws {
    let vault = try operationalVault(ChipMemories(slots: 2))
    let client = TestClient(seed: 22)
    try client.enrol(vault, id: [1], password: password, backupKey: backupKey, limit: 1)
    try expectOK(client.register(vault, id: [2], password: password))
    _ = try client.login(vault, id: [1], password: Array("bad".utf8), intent: .recover)
    #expect(try client.login(vault, id: [1], password: password, intent: .recover) == .refused(.recordDestroyed))
    try expectOK(client.register(vault, id: [3], password: password))
    #expect(try info(vault).tombstoneCount == 0)
    #expect(try info(vault).recordCount == 2)
}

@Test func destroyedIDMayBeRegisteredAgain() throws {
    let vault = try operationalVault(ChipMemories())
    let client = TestClient(seed: 23)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey, limit: 1)
    _ = try client.login(vault, id: id, password: Array("bad".utf8), intent: .recover)
    try client.enrol(vault, id: id, password: password, backupKey: [UInt8](repeating: 3, count: 32))
    #expect(try info(vault).tombstoneCount == 0)
}

@Test func depositSealedUnderAnotherKeyIsRejected() throws {
    let vault = try operationalVault(ChipMemories())
    let client = TestClient(seed: 24)
    try expectOK(client.register(vault, id: id, password: password))
    let (reply, state) = try client.start(vault, id: id, password: password, channel: 1)
    let ke2 = try KE2.deserialize(LoginStartResponse(decoding: expectOK(reply)).ke2, suite: testSuite)
    let result = try client.client.generateKE3(state: state, ke2: ke2)
    let sealed = try AESGCM.seal(
        backupKey, key: SecretBytes([UInt8](repeating: 7, count: 32)), nonce: KeyTransport.nonce)
    let finish = vault.handle(client.finishRequest(result, id: id, intent: .deposit, sealedKey: sealed), channel: 1)
    #expect(finish == VaultReply(status: .sealedKeyRejected))
    #expect(try client.login(vault, id: id, password: password, intent: .recover) == .refused(.noKeyDeposited))
}

@Test func otherChannelCannotFinishALogin() throws {
    let vault = try operationalVault(ChipMemories())
    let client = TestClient(seed: 25)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey)
    let (reply, state) = try client.start(vault, id: id, password: password, channel: 1)
    let ke2 = try KE2.deserialize(LoginStartResponse(decoding: expectOK(reply)).ke2, suite: testSuite)
    let result = try client.client.generateKE3(state: state, ke2: ke2)
    let finish = vault.handle(client.finishRequest(result, id: id, intent: .recover), channel: 2)
    #expect(finish == VaultReply(status: .noPendingLogin))
}

@Test func malformedMessagesGetErrorStatuses() throws {
    let vault = try operationalVault(ChipMemories())
    let cases: [(UInt8, [UInt8], VaultStatus)] = [
        (0x44, [], .malformed),
        (0x44, [2, 1, 0x61, 0, 3, 1, 2, 3], .malformed),  // KE1 of the wrong size
        (0x44, [2, 0], .malformed),
        (0x42, [2, 1, 0x61, 0, 0, 33] + [UInt8](repeating: 0, count: 33), .malformed),  // not a point
        (0x43, [2, 1, 0x61, 0, 5, 1, 2, 3, 4, 5], .noPendingRegistration),  // a finish with no start
        // An unknown intent.
        (0x45, [2, 0, 32] + [UInt8](repeating: 0, count: 32) + [7, 0] + [UInt8](repeating: 0, count: 32), .malformed),
        (0x40, [1], .unsupportedVersion),
        (0x7E, [2], .unknownOperation),
        (0x51, [2, 10, 10], .notAllowedInState),  // provision once operational
        (0x41, [2, 0, 0], .malformed),
    ]
    for (command, payload, status) in cases {
        let reply = try VaultReply(decoding: vault.handle(command: command, payload: payload, channel: 1))
        #expect(reply.status == status, "command \(command)")
    }
    // The device still works.
    try TestClient(seed: 26).enrol(vault, id: id, password: password, backupKey: backupKey)
}

@Test func randomBytesNeverCrashTheVault() throws {
    let vault = try operationalVault(ChipMemories())
    let random = SeededEntropy(seed: 27)
    for round in 0..<500 {
        let command = UInt8(0x40 + round % 0x14)
        let length = Int(random.randomBytes(1)[0])
        let payload = [UInt8(1)] + random.randomBytes(length)
        let reply = try VaultReply(decoding: vault.handle(command: command, payload: payload, channel: 1))
        #expect(reply.status != .ok || command == 0x40 || command == 0x41 || command == 0x44)
    }
}
