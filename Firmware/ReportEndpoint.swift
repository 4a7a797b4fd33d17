/// The chip's USB side as its body sees it: 64-byte HID reports and the time go in, reports come
/// out. The emulator only moves these reports between a socket and this endpoint.
public protocol ReportEndpoint: AnyObject {
    /// Handles one 64-byte OUT report received at `now` (milliseconds, monotonic) and returns the
    /// IN reports to send, in order.
    func receive(report: [UInt8], now: UInt64) -> [[UInt8]]
    /// Lets time pass with no report: returns reports due by `now` (timeouts, keep-alives).
    func poll(now: UInt64) -> [[UInt8]]
    /// The earliest time (same clock as `now`) at which `poll(now:)` may have something to do, asked
    /// at `now`; nil when only a report can change anything. A server may wait for traffic until then.
    func nextPollDeadline(now: UInt64) -> UInt64?
}

extension ReportEndpoint {
    /// For an endpoint that cannot tell: a tick of 20 ms from `now`.
    public func nextPollDeadline(now: UInt64) -> UInt64? {
        now + 20
    }
}
