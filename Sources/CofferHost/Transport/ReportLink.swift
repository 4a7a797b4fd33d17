/// A way to move 64-byte CTAPHID reports to a device and back: a UDP socket to the emulator, a
/// claimed USB HID interface, or the firmware in this process.
///
/// A link only moves reports; channels, framing and retries belong to `CTAPHIDTransport`.
public protocol ReportLink: AnyObject {
    /// How the device is named in messages ("udp://127.0.0.1:4000", "usb 1209:000C serial 42").
    var deviceName: String { get }
    /// Sends one OUT report (exactly 64 bytes).
    func send(_ report: [UInt8]) throws(DeviceError)
    /// Sends OUT reports (64 bytes each) in order, as `send` one by one would.
    func send(reports: [[UInt8]]) throws(DeviceError)
    /// The next IN report, waiting at most `timeoutMilliseconds`; nil when none came in time.
    func receive(timeoutMilliseconds: Int) throws(DeviceError) -> [UInt8]?
    /// Damage the device's body started with that the vault protocol does not carry (a counter page
    /// the bank fell back from), when the link can know it: the in-process device's own, or a local
    /// emulator's note in the runtime directory. Empty otherwise.
    var stateWarnings: [String] { get }
}

extension ReportLink {
    /// One `send` after the other.
    public func send(reports: [[UInt8]]) throws(DeviceError) {
        for report in reports {
            try send(report)
        }
    }

    /// Nothing known by default (a USB device, a remote emulator).
    public var stateWarnings: [String] { [] }
}

/// Milliseconds elapsed on the monotonic clock since a start, for timeouts.
struct Stopwatch {
    private let start = ContinuousClock.now

    /// Whole milliseconds since the stopwatch was made.
    var elapsedMilliseconds: Int {
        let elapsed = start.duration(to: .now).components
        return Int(elapsed.seconds) * 1000 + Int(elapsed.attoseconds / 1_000_000_000_000_000)
    }

    /// What is left of `budget` milliseconds, never negative.
    func remaining(of budget: Int) -> Int {
        max(0, budget - elapsedMilliseconds)
    }
}
