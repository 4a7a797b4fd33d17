import CofferProtocol

/// The device's on-chip counters as `admin counters` shows them: slots never touched are left out.
public struct CounterReport: Sendable, Codable, Equatable {
    /// One used slot's counters.
    public struct Slot: Sendable, Codable, Equatable {
        public let slot: Int
        public let version: UInt32
        public let attempts: UInt32
    }

    public let lifecycleCounter: UInt32
    public let slotCount: Int
    /// Slots whose version or attempt counter has moved.
    public let usedSlots: [Slot]

    /// The report of a Counters reply.
    public init(_ response: CountersResponse) {
        lifecycleCounter = response.lifecycleCounter
        slotCount = Int(response.slotCount)
        usedSlots = response.slots.enumerated().compactMap { index, counters in
            guard counters.version != 0 || counters.attempts != 0 else { return nil }
            return Slot(slot: Int(response.firstSlot) + index, version: counters.version, attempts: counters.attempts)
        }
    }
}
