#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A medium slower than the disk under the state directory: `serve --fsync-delay-ms` adds a fixed time
/// to every fsync of the counters and the flash, the order of a real HSM's flash write (milliseconds),
/// so what a slow write costs (and what grouping writes saves) can be measured on a fast SSD.
enum SlowMedium {
    /// Blocks the calling thread for `duration`, resuming after a signal's interruption.
    static func wait(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
