/// The chip's USB side as its body sees it: 64-byte HID reports and the time go in, reports come
/// out. The emulator only moves these reports between a socket and this endpoint.
public protocol ReportEndpoint: AnyObject {
    /// Handles one 64-byte OUT report received at `now` (milliseconds, monotonic) and returns the
    /// IN reports to send, in order.
    func receive(report: [UInt8], now: UInt64) -> [[UInt8]]
    /// Lets time pass with no report: returns reports due by `now` (timeouts, keep-alives).
    func poll(now: UInt64) -> [[UInt8]]
}
