import CofferProtocol
import OPAQUE
import Testing

/// Checks the device's per-slot counters against what the honest clients say they caused. The
/// Counters answer names slots, not ids, so each client's slot is found by one more recover: the
/// one slot whose counters move is its slot, and its attempt counter before must be exactly the
/// client's tally of LoginStarts answered ok. A slot's version is the seal-sequence value of its last
/// write, so the writes are checked as a whole: the device's seal sequence equals the clients' slot
/// writes added up, and each recover's write moves its slot's version on.
struct CounterAudit {
    let observer: HonestVaultClient

    /// The counters of the first `count` slots.
    func counters(count: UInt16) throws -> [SlotCounters] {
        try CountersResponse(decoding: observer.call(.counters(CountersRequest(firstSlot: 0, count: count)))).slots
    }

    /// Finds the slot of each client in turn (one more recover each), checks its counters against
    /// the client's tally, and checks that the recover returned `keys[i]`. Returns the slots found.
    @discardableResult
    func check(_ clients: [HonestVaultClient], keys: [SecretBytes], slotCount: UInt16) throws -> [Int] {
        let device = try CountersResponse(
            decoding: observer.call(.counters(CountersRequest(firstSlot: 0, count: 0))))
        #expect(device.sealSequence == clients.map(\.tally.slotWrites).reduce(0, +), "slot writes lost or invented")
        var slots: [Int] = []
        for (client, key) in zip(clients, keys) {
            let tally = client.tally
            let before = try counters(count: slotCount)
            let recovered = try client.recover()
            let after = try counters(count: slotCount)
            #expect(constantTimeEqual(recovered.bytes, key.bytes), "client \(client.credentialID) got another key")
            let moved = before.indices.filter { before[$0] != after[$0] }
            try #require(moved.count == 1, "one recover moved \(moved.count) slots")
            let slot = moved[0]
            #expect(before[slot].attempts == tally.loginsStarted, "slot \(slot): device \(before[slot]), client \(tally)")
            #expect(after[slot].attempts == tally.loginsStarted + 1)
            #expect(after[slot].version > before[slot].version, "the recover's re-base moved the version on")
            slots.append(slot)
        }
        #expect(Set(slots).count == clients.count, "two clients share a slot")
        return slots
    }
}
