import Foundation

/// One figure of `make bench`, printed as a JSON line that Benchmarks/run.py pairs with its limit.
struct Measurement {
    /// Where the limit comes from.
    enum Reference {
        /// `openssl speed NAME` measured by run.py in the same run, divided by `divisor`.
        case openssl(String, divisor: Double)
        /// A reference this program measured itself in the same run.
        case measured(name: String, value: Double)
    }

    let name: String
    let value: Double
    let unit: String
    let target: Double
    var better = "higher"
    let reference: Reference

    var jsonLine: String {
        var object: [String: Any] = ["name": name, "value": value, "unit": unit, "target": target, "better": better]
        switch reference {
        case .openssl(let speed, let divisor):
            object["reference"] = speed
            object["refDivisor"] = divisor
        case .measured(let refName, let refValue):
            object["refName"] = refName
            object["refValue"] = refValue
        }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// CLOCK_MONOTONIC in nanoseconds: wall time, for figures that wait on a disk or a socket.
func monotonicNanoseconds() -> UInt64 { nanoseconds(CLOCK_MONOTONIC) }

/// This thread's CPU time in nanoseconds, for compute figures: `openssl speed` divides by CPU
/// user time too, so both sides of the ratio are per CPU-second even on a busy machine.
func threadCPUNanoseconds() -> UInt64 { nanoseconds(CLOCK_THREAD_CPUTIME_ID) }

private func nanoseconds(_ clock: clockid_t) -> UInt64 {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
