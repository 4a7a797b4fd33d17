import CofferProtocol
import OPAQUE
import Testing

/// Checks the device's per-slot counters against what the honest clients say they caused. The
/// Counters answer names slots, not ids, so each client's slot is found by one more recover: the
/// one slot whose counters move is its slot, and what it held before must be exactly the client's
/// tally (attempt counter = LoginStarts answered ok, version = slot writes).
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
            #expect(
                before[slot] == SlotCounters(version: tally.slotWrites, attempts: tally.loginsStarted),
                "slot \(slot): device \(before[slot]), client tally \(tally)")
            #expect(after[slot] == SlotCounters(version: tally.slotWrites + 1, attempts: tally.loginsStarted + 1))
            slots.append(slot)
        }
        #expect(Set(slots).count == clients.count, "two clients share a slot")
        return slots
    }
}
