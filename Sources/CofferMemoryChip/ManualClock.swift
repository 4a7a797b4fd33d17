// A clock that moves only when a test (or a benchmark) says so.

import CofferFirmware

/// Milliseconds that advance only through `advance(by:)`.
public final class ManualClock: MonotonicClock {
    private var now: UInt64

    public init(start: UInt64 = 0) { now = start }

    public func milliseconds() -> UInt64 { now }

    /// Moves time forward.
    public func advance(by milliseconds: UInt64) { now += milliseconds }
}
