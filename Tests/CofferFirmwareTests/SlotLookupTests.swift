// The public lookup tag of each slot copy: whose a slot is, readable when the copy no longer opens,
// bound into the seal so it cannot be swapped, and pseudorandom for empty copies.

import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import OPAQUE
import Testing

@testable import CofferFirmware

private let alice = Array("alice".utf8)
private let bob = Array("bob".utf8)
private let password = Array("hunter2".utf8)
private let backupKey = (0..<32).map { UInt8($0 ^ 0x5C) }

private func openStore(_ memories: ChipMemories, uds: UInt8 = 7) throws -> TestStore {
    let engine = TestEngine(suite: testSuite)
    let keys = try DeviceKeys(uds: [UInt8](repeating: uds, count: 32), engine: engine)
    return try TestStore(
        flash: memories.flash, counters: memories.counters, engine: engine, keys: StoreKeys(keys),
        geometry: memories.geometry)
}

private func record(_ id: [UInt8]) -> VaultRecord {
    VaultRecord(
        credentialID: id, attemptLimit: 3, attemptBase: 0, backupKey: SecretBytes(backupKey),
        registrationRecord: [UInt8](repeating: 9, count: 129))
}

/// Byte range of the lookup tag in the trusted copy of `slot`.
private func tagRange(_ store: TestStore, _ memories: ChipMemories, slot: Int) throws -> Range<Int> {
    let start = store.layout.offset(slot: slot, half: try #require(try store.trustedHalf(slot))) + 8
    return start..<start + SlotCopy.lookupTagLength
}

/// Puts back slot `slot` as it was in `old` (a rollback by whoever holds the flash).
private func rollBack(_ memories: ChipMemories, _ store: TestStore, slot: Int, to old: [UInt8]) {
    var image = memories.flash.image
    let range = store.layout.offset(slot: slot, half: 0)..<store.layout.offset(slot: slot + 1, half: 0)
    image.replaceSubrange(range, with: old[range])
    memories.flash.image = image
}

@Test func damagedSlotIsFoundByItsOwnersIdOnly() throws {
    let memories = ChipMemories()
    let store = try openStore(memories)
    try store.format(defaultAttemptLimit: 10)
    // Two writes fill both halves, so the rolled-back slot's trusted half holds an older copy.
    for _ in 0..<2 { try store.write(0, .record(record(alice))) }
    let old = memories.flash.image
    for _ in 0..<2 { try store.write(0, .record(record(alice))) }
    try store.write(1, .record(record(bob)))
    rollBack(memories, store, slot: 0, to: old)

    let restarted = try openStore(memories)
    try restarted.scan()
    #expect(restarted.states[0] == .damaged)
    #expect(restarted.slot(of: alice) == nil)
    #expect(restarted.damagedSlot(claiming: alice) == 0)
    #expect(restarted.damagedSlot(claiming: bob) == nil)
    #expect(restarted.damagedSlot(claiming: Array("carol".utf8)) == nil)
}

@Test func lookupTagSwappedBetweenTwoCopiesLeavesBothDamaged() throws {
    let memories = ChipMemories()
    let store = try openStore(memories)
    try store.format(defaultAttemptLimit: 10)
    try store.write(0, .record(record(alice)))
    try store.write(1, .record(record(bob)))
    var image = memories.flash.image
    let (a, b) = (try tagRange(store, memories, slot: 0), try tagRange(store, memories, slot: 1))
    let tagOfAlice = Array(image[a])
    image.replaceSubrange(a, with: image[b])
    image.replaceSubrange(b, with: tagOfAlice)
    memories.flash.image = image

    let restarted = try openStore(memories)
    #expect(throws: FirmwareError.refused(.slotDamaged)) { try restarted.load(0) }
    #expect(throws: FirmwareError.refused(.slotDamaged)) { try restarted.load(1) }
    #expect(restarted.states == [.damaged, .damaged] + [SlotState](repeating: .empty, count: 6))
}

/// Negative twin: the same copies, tags in place, open.
@Test func lookupTagsLeftInPlaceOpen() throws {
    let memories = ChipMemories()
    let store = try openStore(memories)
    try store.format(defaultAttemptLimit: 10)
    try store.write(0, .record(record(alice)))
    try store.write(1, .record(record(bob)))
    let restarted = try openStore(memories)
    #expect(try restarted.load(0) == .record(record(alice)))
    #expect(try restarted.load(1) == .record(record(bob)))
}

/// A record and its tombstone share the id's tag; an empty copy's tag is unique per slot and
/// version and is not the all-zero or erased pattern, so on flash it looks like any id's tag.
@Test func emptyCopiesCarryUniquePseudorandomTagsAndIdsTheirOwn() throws {
    let memories = ChipMemories()
    let store = try openStore(memories)
    try store.format(defaultAttemptLimit: 10)
    func tag(_ slot: Int) throws -> [UInt8] { Array(memories.flash.image[try tagRange(store, memories, slot: slot)]) }
    try store.write(0, .record(record(alice)))
    let recordTag = try tag(0)
    try store.write(0, .tombstone(credentialID: alice), scrub: true)
    #expect(try tag(0) == recordTag)
    try store.write(1, .empty)
    try store.write(2, .empty)
    let emptyTags = [try tag(1), try tag(2)]
    try store.write(1, .empty)
    let tags = emptyTags + [try tag(1), recordTag]
    #expect(Set(tags).count == 4)
    for tag in tags {
        #expect(tag != [UInt8](repeating: 0, count: 16) && tag != [UInt8](repeating: 0xFF, count: 16))
    }
}

// MARK: The vault after a restart

/// A device with alice (slot 0) and bob (slot 1) enrolled, then a byte of the sealed part of alice's
/// trusted copy edited, and a restart.
private func deviceWithAlicesSlotEdited() throws -> (ChipMemories, TestVault) {
    let memories = ChipMemories()
    let vault = try operationalVault(memories)
    let client = TestClient(seed: 41)
    try client.enrol(vault, id: alice, password: password, backupKey: backupKey)
    try client.enrol(vault, id: bob, password: password, backupKey: backupKey)
    let layout = FlashLayout(pageSize: memories.flash.pageSize, geometry: memories.geometry)
    let version = try memories.counters.read(CounterLayout(slotCount: 8).version(0))
    var image = memories.flash.image
    let half = try #require((0..<2).first { half in
        let start = layout.offset(slot: 0, half: half)
        return SlotCopy.claimedVersion(Array(image[start..<start + SlotCopy.headerSize])) == version
    })
    image[layout.offset(slot: 0, half: half) + 100] ^= 0x01
    memories.flash.image = image
    return (memories, try memories.boot())
}

@Test func ownerOfADamagedSlotIsToldSlotDamagedAfterARestart() throws {
    let (_, vault) = try deviceWithAlicesSlotEdited()
    let client = TestClient(seed: 42)
    #expect(try client.login(vault, id: alice, password: password, intent: .recover) == .refused(.slotDamaged))
    #expect(try client.login(vault, id: bob, password: password, intent: .recover) == .recovered(backupKey))
}

@Test func idOfADamagedSlotCannotBeRegisteredAgain() throws {
    let (memories, vault) = try deviceWithAlicesSlotEdited()
    let client = TestClient(seed: 43)
    let versions = try (0..<8).map { try memories.counters.read(CounterLayout(slotCount: 8).version($0)) }
    #expect(try client.register(vault, id: alice, password: Array("mine now".utf8)).status == .slotDamaged)
    let finish = vault.handle(
        .registerFinish(RegisterFinishRequest(credentialID: alice, registrationRecord: [1])),
        channel: 9)
    // A finish without its start is refused before anything else is looked at.
    #expect(finish.status == .noPendingRegistration)
    #expect(try (0..<8).map { try memories.counters.read(CounterLayout(slotCount: 8).version($0)) } == versions)
}

/// Negative twin: an id no slot claims still gets the fake KE2 of an unknown id, and may register.
@Test func unknownIDBesideADamagedSlotStillGetsAFakeKE2() throws {
    let (_, vault) = try deviceWithAlicesSlotEdited()
    let client = TestClient(seed: 44)
    let carol = Array("carol".utf8)
    let (reply, _) = try client.start(vault, id: carol, password: password, channel: 3)
    #expect(reply.status == .ok)
    let outcome = try client.login(vault, id: carol, password: password, intent: .recover)
    #expect(outcome == .wrongPassword(attemptsRemaining: 9))
    try expectOK(client.register(vault, id: carol, password: password))
}

/// The lookup tag is keyed by the device: the same id's tag under another UDS is another value, so
/// a thief cannot match tags across devices or compute one from an id.
@Test func lookupTagsAreKeyedByTheDevice() throws {
    let engine = TestEngine(suite: testSuite)
    let one = StoreKeys(try DeviceKeys(uds: [UInt8](repeating: 1, count: 32), engine: engine))
    let two = StoreKeys(try DeviceKeys(uds: [UInt8](repeating: 2, count: 32), engine: engine))
    let id = Array("alice".utf8)
    #expect(SlotCopy.lookupTag(of: id, engine: engine, keys: one) == SlotCopy.lookupTag(of: id, engine: engine, keys: one))
    #expect(SlotCopy.lookupTag(of: id, engine: engine, keys: one) != SlotCopy.lookupTag(of: id, engine: engine, keys: two))
}
