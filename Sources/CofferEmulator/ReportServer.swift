import CTAPHID
import CofferFirmware
import Logging

/// Moves 64-byte HID reports between a UDP socket and the chip's `ReportEndpoint`, and lets time
/// pass for it so CTAPHID timeouts fire with no traffic. It only moves datagrams, bytes and ticks:
/// every protocol decision is the endpoint's. Nothing a peer sends can stop it.
public final class ReportServer<Endpoint: ReportEndpoint, Clock: MonotonicClock> {
    /// How long one wait for traffic lasted before the endpoint was polled anyway, when the loop
    /// ticked; `run(tickMilliseconds:)` still ticks so when given a tick.
    public static var defaultTickMilliseconds: Int32 { 20 }
    /// The longest wait for traffic when the endpoint has no deadline: a bound on how late a stop
    /// request that came just before a wait is seen (a signal during the wait ends it at once).
    public static var longestWaitMilliseconds: Int32 { 1000 }

    /// The socket the reports arrive on.
    public let socket: UDPSocket
    private let endpoint: Endpoint
    private let clock: Clock
    private var router = ReplyRouter<PeerAddress>()
    private let logger: Logger
    /// Group commit: when set, a turn's replies wait in `outbox` until every report of the turn was
    /// handled, then this runs (the chip's staged counter changes made durable, in one write) and only
    /// if it returns true do they leave. False means the changes did not become durable: the replies
    /// are dropped and the server halts, as a chip whose write failed would.
    public var barrier: (() -> Bool)?
    /// Replies of the current turn waiting for the barrier, each batch with its destination.
    private var outbox: [(reports: ArraySlice<[UInt8]>, peer: PeerAddress)] = []
    /// Set when a barrier failed: the loop ends and nothing more is served.
    public private(set) var halted = false

    /// Serves `endpoint` on `socket`, telling it the time from `clock`.
    public init(
        socket: UDPSocket, endpoint: Endpoint, clock: Clock, logger: Logger = Logger(label: "coffer.emulator.udp")
    ) {
        self.socket = socket
        self.endpoint = endpoint
        self.clock = clock
        self.logger = logger
    }

    /// Serves until `shouldStop` says so. With no tick, each wait for traffic lasts until the
    /// endpoint's next deadline (`ReportEndpoint.nextPollDeadline`), at most `longestWaitMilliseconds`;
    /// with one, every wait lasts at most the tick. `shouldStop` is asked after every wait.
    public func run(tickMilliseconds: Int32? = nil, until shouldStop: () -> Bool) {
        while !halted && !shouldStop() {
            serveOnce(waitMilliseconds: tickMilliseconds ?? millisecondsToNextDeadline())
        }
    }

    /// How long the loop may wait for traffic before the endpoint has something to do.
    func millisecondsToNextDeadline() -> Int32 {
        let now = clock.milliseconds()
        guard let deadline = endpoint.nextPollDeadline(now: now) else { return Self.longestWaitMilliseconds }
        guard deadline > now else { return 0 }
        return Int32(min(deadline - now, UInt64(Self.longestWaitMilliseconds)))
    }

    /// One turn of the loop: waits up to `waitMilliseconds` for traffic, hands every queued report
    /// to the endpoint and sends its replies, then polls the endpoint for what time made due.
    public func serveOnce(waitMilliseconds: Int32) {
        if socket.waitForTraffic(milliseconds: waitMilliseconds) {
            while true {
                let batch = socket.receiveBatch()
                if batch.isEmpty { break }
                for (bytes, length, sender) in batch {
                    handle(bytes, length: length, from: sender)
                }
            }
        }
        deliver(endpoint.poll(now: clock.milliseconds()), answering: nil)
        releaseOutbox()
    }

    /// Sends the turn's replies once the barrier has made what they depend on durable.
    private func releaseOutbox() {
        guard !outbox.isEmpty, let barrier else { return }
        let waiting = outbox
        outbox.removeAll(keepingCapacity: true)
        guard barrier() else {
            let count = waiting.reduce(0) { $0 + $1.reports.count }
            logger.critical("the chip's changes did not become durable: \(count) reports withheld; halting")
            halted = true
            return
        }
        for (reports, peer) in waiting { transmit(reports, to: peer) }
    }

    private func handle(_ datagram: [UInt8], length: Int, from sender: PeerAddress) {
        guard length == CTAPHIDLimits.reportSize else {
            let size = CTAPHIDLimits.reportSize
            logger.debug("ignored a \(length)-byte datagram from \(sender) (reports are \(size) bytes)")
            return
        }
        guard router.admits(datagram, from: sender) else {
            logger.debug("dropped a report from \(sender) on a channel the device handed to another peer")
            return
        }
        let cause = ReplyRouter<PeerAddress>.channel(of: datagram).map { ReplyRouter.Cause(peer: sender, channel: $0) }
        deliver(endpoint.receive(report: datagram, now: clock.milliseconds()), answering: cause)
    }

    /// Sends `replies` in order; consecutive replies to one peer go in one batch (sendmmsg).
    private func deliver(_ replies: [[UInt8]], answering cause: ReplyRouter<PeerAddress>.Cause?) {
        var batchStart = 0
        var batchPeer: PeerAddress?
        for (index, reply) in replies.enumerated() {
            guard reply.count == CTAPHIDLimits.reportSize else {
                preconditionFailure("the endpoint produced a \(reply.count)-byte report")
            }
            let peer = router.destination(of: reply, cause: cause)
            if let open = batchPeer, peer != open {
                send(replies[batchStart..<index], to: open)
                batchPeer = nil
            }
            guard let peer else {
                logger.debug("dropped a report for a channel the device did not hand to anyone here")
                continue
            }
            if batchPeer == nil {
                batchPeer = peer
                batchStart = index
            }
        }
        if let open = batchPeer {
            send(replies[batchStart...], to: open)
        }
    }

    private func send(_ reports: ArraySlice<[UInt8]>, to peer: PeerAddress) {
        guard barrier == nil else {
            outbox.append((reports, peer))
            return
        }
        transmit(reports, to: peer)
    }

    private func transmit(_ reports: ArraySlice<[UInt8]>, to peer: PeerAddress) {
        for _ in 0..<socket.send(reports: reports, to: peer) {
            logger.debug("could not send a report to \(peer)")
        }
    }
}
