import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import OPAQUE
import Testing

@testable import CofferFirmware

private let id = Array("alice".utf8)
private let password = Array("correct horse".utf8)
private let wrong = Array("wrong horse".utf8)
private let backupKey = [UInt8](repeating: 0x42, count: 32)

@Test(arguments: [1, 2, 5])
func exactlyLimitWrongGuessesDestroyTheRecord(limit: Int) throws {
    let memories = ChipMemories()
    let vault = try operationalVault(memories)
    let client = TestClient(seed: 1)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey, limit: UInt8(limit))
    for guess in 1...limit {
        let outcome = try client.login(vault, id: id, password: wrong, intent: .recover)
        #expect(outcome == .wrongPassword(attemptsRemaining: UInt8(limit - guess)))
    }
    #expect(try client.login(vault, id: id, password: password, intent: .recover) == .refused(.recordDestroyed))
    #expect(try info(vault).tombstoneCount == 1)
    #expect(try info(vault).recordCount == 0)
}

@Test(arguments: [1, 3, 10])
func limitMinusOneWrongThenTheRightOneSucceedsAndResets(limit: Int) throws {
    let memories = ChipMemories()
    let vault = try operationalVault(memories)
    let client = TestClient(seed: 2)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey, limit: UInt8(limit))
    for _ in 0..<limit - 1 { _ = try client.login(vault, id: id, password: wrong, intent: .recover) }
    #expect(try client.login(vault, id: id, password: password, intent: .recover) == .recovered(backupKey))
    // Reset: a full budget of wrong guesses again before destruction.
    for guess in 1..<limit {
        let outcome = try client.login(vault, id: id, password: wrong, intent: .recover)
        #expect(outcome == .wrongPassword(attemptsRemaining: UInt8(limit - guess)))
    }
    #expect(try client.login(vault, id: id, password: password, intent: .recover) == .recovered(backupKey))
}

@Test func powerCutRightAfterTheCounterWriteStillCountsTheGuess() throws {
    let memories = ChipMemories()
    var vault = try operationalVault(memories)
    let client = TestClient(seed: 3)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey, limit: 3)
    // Only the attempt counter's increment reaches the chip; then power fails before anything else.
    memories.power.cut(afterWrites: 1)
    _ = try client.start(vault, id: id, password: wrong, channel: 1)
    vault = try memories.boot()
    #expect(try client.login(vault, id: id, password: wrong, intent: .recover) == .wrongPassword(attemptsRemaining: 1))
    vault = try memories.boot()
    #expect(try client.login(vault, id: id, password: wrong, intent: .recover) == .wrongPassword(attemptsRemaining: 0))
    vault = try memories.boot()
    #expect(try client.login(vault, id: id, password: password, intent: .recover) == .refused(.recordDestroyed))
}

@Test func noKE2LeavesTheChipUnlessTheAttemptIsDurable() throws {
    let memories = ChipMemories()
    let vault = try operationalVault(memories)
    let client = TestClient(seed: 4)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey, limit: 3)
    memories.power.cut(afterWrites: 0)
    let (reply, _) = try client.start(vault, id: id, password: password, channel: 1)
    #expect(reply == VaultReply(status: .storageFailure))
    let restarted = try memories.boot()
    #expect(
        try client.login(restarted, id: id, password: wrong, intent: .recover) == .wrongPassword(attemptsRemaining: 2))
}

@Test func lastAttemptDestroysTheRecordOnFlashBeforeKE2() throws {
    let memories = ChipMemories()
    let vault = try operationalVault(memories)
    let client = TestClient(seed: 5)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey, limit: 2)
    _ = try client.login(vault, id: id, password: wrong, intent: .recover)
    let (reply, _) = try client.start(vault, id: id, password: password, channel: 1)
    #expect(try LoginStartResponse(decoding: expectOK(reply)).attemptsRemaining == 0)
    // KE2 is out; the record is already a tombstone on flash. A power cut now loses it for good.
    let restarted = try memories.boot()
    #expect(try info(restarted).tombstoneCount == 1)
    #expect(try client.login(restarted, id: id, password: password, intent: .recover) == .refused(.recordDestroyed))
}

@Test func lastAttemptWithTheRightPasswordStillRecovers() throws {
    let memories = ChipMemories()
    let vault = try operationalVault(memories)
    let client = TestClient(seed: 6)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey, limit: 2)
    _ = try client.login(vault, id: id, password: wrong, intent: .recover)
    #expect(try client.login(vault, id: id, password: password, intent: .recover) == .recovered(backupKey))
    let restarted = try memories.boot()
    #expect(try info(restarted).recordCount == 1)
    #expect(try client.login(restarted, id: id, password: password, intent: .recover) == .recovered(backupKey))
}

@Test func recordWhoseAttemptsRanOutBeforeACutIsDestroyedAtBoot() throws {
    let memories = ChipMemories()
    let vault = try operationalVault(memories)
    let client = TestClient(seed: 7)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey, limit: 1)
    memories.power.cut(afterWrites: 1)  // the counter reaches the limit; the tombstone never lands
    _ = try client.start(vault, id: id, password: wrong, channel: 1)
    let restarted = try memories.boot()
    #expect(try info(restarted).tombstoneCount == 1)
    #expect(try client.login(restarted, id: id, password: password, intent: .recover) == .refused(.recordDestroyed))
}

@Test func destroyedRecordLeavesCountersAtTheirFinalValues() throws {
    let memories = ChipMemories()
    let vault = try operationalVault(memories)
    let client = TestClient(seed: 8)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey, limit: 2)
    for _ in 0..<2 { _ = try client.login(vault, id: id, password: wrong, intent: .recover) }
    let page = try CountersResponse(
        decoding: expectOK(vault.handle(.counters(CountersRequest(firstSlot: 0, count: 1)), channel: 0)))
    // Deposit's login counted 1, then two wrong guesses; versions: register, deposit, tombstone.
    #expect(page.slots == [SlotCounters(version: 3, attempts: 3)])
    _ = try client.login(vault, id: id, password: password, intent: .recover)
    let after = try CountersResponse(
        decoding: expectOK(vault.handle(.counters(CountersRequest(firstSlot: 0, count: 1)), channel: 0)))
    #expect(after.slots == page.slots)
}

@Test func evictedLoginKeepsItsAttemptCounted() throws {
    let memories = ChipMemories()
    let vault = try operationalVault(memories)
    let client = TestClient(seed: 9)
    try client.enrol(vault, id: id, password: password, backupKey: backupKey, limit: 10)
    let (_, state) = try client.start(vault, id: id, password: password, channel: 100)
    // Fill the table from other channels so the first login is evicted.
    for channel in 0..<UInt32(vault.configuration.pendingLoginCapacity) {
        _ = try client.start(vault, id: Array("nobody".utf8), password: wrong, channel: 200 + channel)
    }
    #expect(vault.pendingLoginCount == vault.configuration.pendingLoginCapacity)
    _ = state
    let finish = vault.handle(
        .loginFinish(LoginFinishRequest(ke3: [UInt8](repeating: 0, count: 32), intent: .recover, binding: [UInt8](repeating: 0, count: SessionBinding.tagLength))), channel: 100)
    #expect(finish == VaultReply(status: .noPendingLogin))
    #expect(try client.login(vault, id: id, password: wrong, intent: .recover) == .wrongPassword(attemptsRemaining: 8))
}
