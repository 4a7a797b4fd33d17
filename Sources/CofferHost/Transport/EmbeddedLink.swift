import CTAPHID
import CofferFirmware

/// Reports handed straight to the firmware in this process: the chip's `ReportEndpoint` runs on
/// the calling thread, so a request is answered before `send` returns and nothing ever waits.
public final class EmbeddedLink: ReportLink {
    public let deviceName: String
    public let stateWarnings: [String]
    private let endpoint: any ReportEndpoint
    /// Whatever keeps the chip's body alive (the state directory and its lock), held for the link's life.
    private let body: AnyObject?
    private var queue: [[UInt8]] = []
    private var head = 0
    private let start = ContinuousClock.now

    /// A link to `endpoint`, keeping `body` alive as long as the link; `stateWarnings` is the damage
    /// that body was opened with.
    public init(
        endpoint: any ReportEndpoint, deviceName: String, body: AnyObject? = nil, stateWarnings: [String] = []
    ) {
        self.endpoint = endpoint
        self.deviceName = deviceName
        self.stateWarnings = stateWarnings
        self.body = body
    }

    public func send(_ report: [UInt8]) throws(DeviceError) {
        precondition(report.count == CTAPHIDLimits.reportSize, "a report is 64 bytes")
        enqueue(endpoint.receive(report: report, now: now))
    }

    /// The next queued report; with none queued, the chip is asked what time has made due, and if
    /// that is nothing either the answer is "nothing" at once: waiting could not change it.
    public func receive(timeoutMilliseconds: Int) throws(DeviceError) -> [UInt8]? {
        if head == queue.count { enqueue(endpoint.poll(now: now)) }
        guard head < queue.count else { return nil }
        head += 1
        return queue[head - 1]
    }

    private func enqueue(_ reports: [[UInt8]]) {
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
        queue += reports
    }

    private var now: UInt64 {
        let elapsed = start.duration(to: .now).components
        return UInt64(elapsed.seconds) * 1000 + UInt64(elapsed.attoseconds / 1_000_000_000_000_000)
    }
}
