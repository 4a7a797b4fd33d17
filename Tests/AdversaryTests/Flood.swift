import CTAPHID
import CofferEmulator

/// How far one flood thread goes: it stops by itself at whichever bound comes first.
struct FloodPlan: Sendable {
    /// Junk datagrams to send at most.
    var datagrams: Int
    /// Junk datagrams sent between two probes. A probe's answer proves the device has read everything
    /// sent before it, so at most this many are queued at the device: the flood tests the firmware's
    /// handling of junk, not the kernel's socket buffer.
    var window: Int
    /// Sockets (source ports) the junk comes from.
    var sourcePorts: Int
    /// Stalled messages to send at most (each holds the device for the CTAPHID message timeout).
    var stalls: Int
    /// Milliseconds after which the flood stops whatever it has sent.
    var deadlineMilliseconds: UInt64
}

/// What one flood thread sent and saw.
struct FloodReport: Sendable {
    var sent: [JunkKind: Int] = [:]
    /// Probes answered (PING echoed or CTAPHID_ERROR on the storm's channel).
    var probesAnswered = 0
    /// Probes with no answer within the probe deadline (a datagram lost on the way).
    var probesLost = 0
    /// Stalled messages whose ERR_MSG_TIMEOUT (or refusal) came back to the staller.
    var stallsTimedOut = 0

    var total: Int { sent.values.reduce(0, +) }

    static func + (lhs: Self, rhs: Self) -> Self {
        FloodReport(
            sent: lhs.sent.merging(rhs.sent, uniquingKeysWith: +),
            probesAnswered: lhs.probesAnswered + rhs.probesAnswered,
            probesLost: lhs.probesLost + rhs.probesLost, stallsTimedOut: lhs.stallsTimedOut + rhs.stallsTimedOut)
    }
}

/// One thread of a storm: junk datagrams to the device on 127.0.0.1 from many source ports, in
/// windows closed by a probe on the storm's own channel. Bounded in count and time.
final class Flood {
    private let device: PeerAddress
    private let sources: [UDPSocket]
    private let probe: UDPSocket
    private var channel = CTAPHIDChannelID.broadcast
    private var maker: JunkMaker
    /// INIT nonces: apart from the junk, so that how often the storm's channel is evicted (a matter
    /// of timing) never changes which junk is sent.
    private var nonces: SeededGenerator
    private let plan: FloodPlan
    private var report = FloodReport()
    /// How long one probe may take to come back.
    static let probeDeadlineMilliseconds: UInt64 = 10_000

    init(port: UInt16, plan: FloodPlan, generator: SeededGenerator) throws {
        device = try PeerAddress(host: "127.0.0.1", port: port)
        sources = try (0..<plan.sourcePorts).map { _ in try UDPSocket(host: "127.0.0.1", port: 0) }
        probe = try UDPSocket(host: "127.0.0.1", port: 0)
        var generator = generator
        nonces = generator.split()
        maker = JunkMaker(generator: generator)
        self.plan = plan
    }

    /// Floods until the plan's bounds or until `shouldStop` says so (asked once per window).
    func run(shouldStop: () -> Bool) -> FloodReport {
        let deadline = PatientChannel.now() + plan.deadlineMilliseconds
        openChannel()
        var sent = 0
        var stalls = 0
        while sent < plan.datagrams, PatientChannel.now() < deadline, !shouldStop() {
            for _ in 0..<min(plan.window, plan.datagrams - sent) {
                let kind = maker.kind(allowStall: stalls < plan.stalls)
                let datagram = maker.datagram(kind, channel: channel)
                report.sent[kind, default: 0] += 1
                sent += 1
                if kind == .stalledMessage {
                    stalls += 1
                    stall(datagram)
                } else {
                    let source = sources[Int.random(in: 0..<sources.count, using: &maker.generator)]
                    _ = source.send(datagram, to: device)
                }
            }
            closeWindow()
        }
        return report
    }

    /// Opens (or reopens) the storm's channel from the probe socket.
    private func openChannel() {
        var opening = CTAPHIDChannelOpening(nonce: nonces.bytes(CTAPHIDLimits.initNonceSize))
        _ = probe.send(opening.requestReport, to: device)
        _ = awaitReport(on: .broadcast) { report in
            if let response = try? opening.receive(report: report) { channel = response.channel }
            return channel != .broadcast
        }
    }

    /// A PING on the storm's channel; waits for its answer, whatever it is.
    private func closeWindow() {
        let nonce = maker.generator.bytes(8)
        let ping = (try? CTAPHIDMessageEncoder.reports(channel: channel, command: .ping, payload: nonce)) ?? []
        for report in ping { _ = probe.send(report, to: device) }
        var evicted = false
        let answered = awaitReport(on: channel) { report in
            guard let packet = CTAPHIDPacket(report: report), case .initialization(let first) = packet else {
                return false
            }
            if first.command == .error {
                evicted = first.data.first == CTAPHIDErrorCode.invalidChannel.rawValue
                return true
            }
            return first.command == .ping && Array(first.data.prefix(nonce.count)) == nonce
        }
        if answered { report.probesAnswered += 1 } else { report.probesLost += 1 }
        if evicted { openChannel() }
    }

    /// Sends the first packet of a long message from the probe socket and waits until the device
    /// gives up on it (ERR_MSG_TIMEOUT): all that time honest hosts get CHANNEL_BUSY.
    private func stall(_ datagram: [UInt8]) {
        _ = probe.send(datagram, to: device)
        // The timeout error may never reach this socket: the emulator routes a reply to the peer that
        // last spoke on its channel, and a flood of random channel ids can push this channel out of
        // its routing table first. So the wait is bounded by a few message timeouts.
        let timedOut = awaitReport(on: channel, milliseconds: 4 * CTAPHIDLimits.messageTimeoutMilliseconds) { report in
            guard let packet = CTAPHIDPacket(report: report), case .initialization(let first) = packet,
                first.command == .error
            else { return false }
            return first.data.first == CTAPHIDErrorCode.messageTimeout.rawValue
                || first.data.first == CTAPHIDErrorCode.channelBusy.rawValue
                || first.data.first == CTAPHIDErrorCode.invalidChannel.rawValue
        }
        if timedOut { report.stallsTimedOut += 1 }
    }

    /// Reads the probe socket until `accept` takes a report on `channel`; false at the deadline.
    private func awaitReport(
        on channel: CTAPHIDChannelID, milliseconds: UInt64 = probeDeadlineMilliseconds, accept: ([UInt8]) -> Bool
    ) -> Bool {
        let deadline = PatientChannel.now() + milliseconds
        while true {
            while let (bytes, _) = probe.receive() {
                if ReportHeader.channel(of: bytes) == channel, accept(bytes) { return true }
            }
            let now = PatientChannel.now()
            guard now < deadline else { return false }
            _ = probe.waitForDatagram(milliseconds: Int32(min(deadline - now, 1000)))
        }
    }
}
