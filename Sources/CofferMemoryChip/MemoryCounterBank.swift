// The on-chip monotonic counters in RAM.

import CofferFirmware

/// A bank of 32-bit counters in memory that only ever rise.
public final class MemoryCounterBank: CounterBank {
    private var values: [UInt32]
    private let power: PowerCut

    /// `count` counters, all zero.
    public init(count: Int, power: PowerCut = PowerCut()) {
        precondition(count > 0, "a counter bank needs counters")
        values = [UInt32](repeating: 0, count: count)
        self.power = power
    }

    public var count: Int { values.count }

    public func read(_ index: Int) throws(HALError) -> UInt32 {
        guard values.indices.contains(index) else { throw .outOfRange }
        return values[index]
    }

    public func increment(_ index: Int) throws(HALError) -> UInt32 {
        guard values.indices.contains(index) else { throw .outOfRange }
        guard values[index] < UInt32.max else { throw .counterExhausted }
        try power.admitWrite()
        values[index] += 1
        return values[index]
    }

    public func advance(_ index: Int, to value: UInt32) throws(HALError) -> UInt32 {
        guard values.indices.contains(index), value >= values[index] else { throw .outOfRange }
        guard value > values[index] else { return value }
        try power.admitWrite()
        values[index] = value
        return value
    }

    /// Every counter's value, for tests that compare against a model.
    public var snapshot: [UInt32] { values }
}
