// Power-cut injection shared by the in-memory fuses, counters and flash. A test arms it to let a
// number of durable writes through and fail every one after that, then "restarts" the chip by
// building a fresh firmware instance on the same memories (after `restore()`).

import CofferFirmware

/// Counts durable writes across the memories that share it, and fails them from a chosen write on.
///
/// A failed write does not happen at all: the medium keeps its old contents and the caller gets
/// `HALError.ioFailure`, as when power drops before the write reaches the cells.
public final class PowerCut {
    /// Durable writes that completed since this object was made.
    public private(set) var completedWrites = 0
    /// Writes still allowed before the cut; nil while power is steady.
    private var allowance: Int?

    public init() {}

    /// True once the cut has happened (a write was refused) and power is not yet restored.
    public private(set) var isCut = false

    /// Lets `writes` more durable writes complete, then fails every later one.
    public func cut(afterWrites writes: Int) {
        precondition(writes >= 0, "negative allowance")
        allowance = writes
        isCut = false
    }

    /// Power is back: writes succeed again.
    public func restore() {
        allowance = nil
        isCut = false
    }

    /// Called by a memory before a durable write; throws when the write must not happen.
    func admitWrite() throws(HALError) {
        if let left = allowance {
            guard left > 0 else {
                isCut = true
                throw .ioFailure
            }
            allowance = left - 1
        }
        completedWrites += 1
    }
}
