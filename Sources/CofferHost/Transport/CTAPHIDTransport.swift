import CTAPHID
import CofferCrypto

/// CTAPHID over a report link: opens a channel with INIT, then runs one request at a time on it.
///
/// Reports on other channels (another host's traffic on a shared bus) are skipped, keep-alives
/// extend the wait for the next report, and a request answered ERR_CHANNEL_BUSY is sent again after
/// a growing pause, a bounded number of times, before the transport reports the device busy. Each
/// request, retries and keep-alives included, ends by its deadline: a device that sends keep-alives
/// (or other channels' reports) for ever cannot hold the host for longer.
public final class CTAPHIDTransport: DeviceTransport {
    /// The default bound on one request, retries and keep-alives included: two minutes, room for a
    /// vault request a device may legitimately delay (a durable write on a slow medium, a user's touch).
    public static let defaultDeadlineMilliseconds = 120_000

    /// The link the reports travel on.
    public let link: any ReportLink
    public private(set) var channelInfo: CTAPHIDInitResponse
    private let timing: TransportTiming
    /// The longest one request may take, whatever the device sends meanwhile.
    public let deadlineMilliseconds: Int

    public var deviceName: String { link.deviceName }

    /// Opens a channel on `link` with an INIT whose nonce comes from `random`; each later request
    /// fails with `.noResponse(afterMilliseconds: deadlineMilliseconds)` once it has taken that long.
    public init(
        link: any ReportLink, random: some RandomSource = SystemRandom(), timing: TransportTiming = .standard,
        deadlineMilliseconds: Int = CTAPHIDTransport.defaultDeadlineMilliseconds
    ) throws(DeviceError) {
        precondition(deadlineMilliseconds > 0, "a request needs some time")
        self.link = link
        self.timing = timing
        self.deadlineMilliseconds = deadlineMilliseconds
        channelInfo = try CTAPHIDTransport.openChannel(on: link, nonce: random.bytes(CTAPHIDLimits.initNonceSize),
                                                       timing: timing)
    }

    public func request(_ command: CTAPHIDCommand, payload: [UInt8]) throws(DeviceError) -> [UInt8] {
        let overall = Stopwatch()
        var retry = 0
        while true {
            do throws(DeviceError) {
                return try exchange(command, payload: payload, overall: overall)
            } catch {
                guard case .busy = error, retry < timing.busyRetries else { throw error }
                let pause = timing.backoff(beforeRetry: retry)
                guard overall.remaining(of: deadlineMilliseconds) > pause else { throw error }
                wait(milliseconds: pause)
                retry += 1
            }
        }
    }

    private func exchange(_ command: CTAPHIDCommand, payload: [UInt8], overall: Stopwatch) throws(DeviceError)
        -> [UInt8]
    {
        var transaction: CTAPHIDHostTransaction
        do {
            transaction = try CTAPHIDHostTransaction(channel: channelInfo.channel, command: command, payload: payload)
        } catch {
            throw .requestTooLong(length: payload.count)
        }
        try link.send(reports: transaction.requestReports)
        var silence = Stopwatch()
        while true {
            let left = overall.remaining(of: deadlineMilliseconds)
            guard left > 0 else { throw .noResponse(device: deviceName, afterMilliseconds: deadlineMilliseconds) }
            let quiet = silence.remaining(of: timing.responseMilliseconds)
            guard let report = try link.receive(timeoutMilliseconds: min(quiet, left)) else {
                if quiet <= left {
                    throw .noResponse(device: deviceName, afterMilliseconds: timing.responseMilliseconds)
                }
                throw .noResponse(device: deviceName, afterMilliseconds: deadlineMilliseconds)
            }
            guard ReportHeader.channel(of: report) == channelInfo.channel else { continue }
            do throws(CTAPHIDHostError) {
                switch try transaction.receive(report: report) {
                case .response(let response)?: return response
                case .keepalive?: silence = Stopwatch()
                case nil: break
                }
            } catch {
                throw CTAPHIDTransport.deviceError(error, device: deviceName)
            }
        }
    }

    /// Lets time pass without a sleep call: whatever arrives meanwhile is stale and dropped.
    private func wait(milliseconds: Int) {
        let stopwatch = Stopwatch()
        while stopwatch.remaining(of: milliseconds) > 0 {
            guard (try? link.receive(timeoutMilliseconds: stopwatch.remaining(of: milliseconds))) != nil else { return }
        }
    }

    private static func openChannel(on link: any ReportLink, nonce: [UInt8], timing: TransportTiming)
        throws(DeviceError) -> CTAPHIDInitResponse
    {
        var opening = CTAPHIDChannelOpening(nonce: nonce)
        try link.send(opening.requestReport)
        let stopwatch = Stopwatch()
        while true {
            let wait = stopwatch.remaining(of: timing.responseMilliseconds)
            guard let report = try link.receive(timeoutMilliseconds: wait) else {
                throw .noResponse(device: link.deviceName, afterMilliseconds: timing.responseMilliseconds)
            }
            // Another host's INIT response on the shared broadcast channel is not ours to judge.
            guard ReportHeader.channel(of: report) == .broadcast, !ReportHeader.isInitResponse(report, notFor: nonce)
            else { continue }
            do throws(CTAPHIDHostError) {
                if let response = try opening.receive(report: report) { return response }
            } catch {
                throw deviceError(error, device: link.deviceName)
            }
        }
    }

    private static func deviceError(_ error: CTAPHIDHostError, device: String) -> DeviceError {
        switch error {
        case .device(.channelBusy):
            .busy(device: device, holder: "another host's CTAPHID transaction or lock (ERR_CHANNEL_BUSY)")
        case .device(let code):
            .refused(device: device, code)
        default:
            .protocolViolation(device: device, error)
        }
    }
}

/// Peeks at a report's header without decoding it.
enum ReportHeader {
    /// The channel id in a report's first four bytes (big-endian), nil for a short report.
    static func channel(of report: [UInt8]) -> CTAPHIDChannelID? {
        guard report.count >= CTAPHIDLimits.channelIDSize else { return nil }
        return CTAPHIDChannelID(rawValue: report[0..<4].reduce(0) { $0 << 8 | UInt32($1) })
    }

    /// True for an INIT response whose echoed nonce differs from `nonce`: the answer to someone else.
    static func isInitResponse(_ report: [UInt8], notFor nonce: [UInt8]) -> Bool {
        let nonceStart = CTAPHIDLimits.channelIDSize + 3
        guard report.count == CTAPHIDLimits.reportSize,
            report[CTAPHIDLimits.channelIDSize] == CTAPHIDCommand.initialize.rawValue | 0x80
        else { return false }
        return Array(report[nonceStart..<(nonceStart + nonce.count)]) != nonce
    }
}
