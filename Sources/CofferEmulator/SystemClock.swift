import CofferFirmware

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The host's monotonic clock in milliseconds (CLOCK_MONOTONIC: never steps back, ignores
/// wall-clock changes), as the firmware's `MonotonicClock`.
public final class SystemClock: MonotonicClock {
    public init() {}

    public func milliseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
    }
}
