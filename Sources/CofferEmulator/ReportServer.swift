import CTAPHID
import CofferFirmware
import Logging

/// Moves 64-byte HID reports between a UDP socket and the chip's `ReportEndpoint`, and lets time
/// pass for it so CTAPHID timeouts fire with no traffic. It only moves datagrams, bytes and ticks:
/// every protocol decision is the endpoint's. Nothing a peer sends can stop it.
public final class ReportServer<Endpoint: ReportEndpoint, Clock: MonotonicClock> {
    /// How long one wait for traffic lasts before the endpoint is polled anyway.
    public static var defaultTickMilliseconds: Int32 { 20 }

    /// The socket the reports arrive on.
    public let socket: UDPSocket
    private let endpoint: Endpoint
    private let clock: Clock
    private var router = ReplyRouter<PeerAddress>()
    private let logger: Logger

    /// Serves `endpoint` on `socket`, telling it the time from `clock`.
    public init(
        socket: UDPSocket, endpoint: Endpoint, clock: Clock, logger: Logger = Logger(label: "coffer.emulator.udp")
    ) {
        self.socket = socket
        self.endpoint = endpoint
        self.clock = clock
        self.logger = logger
    }

    /// Serves until `shouldStop` says so; it is asked at least once per tick.
    public func run(tickMilliseconds: Int32 = defaultTickMilliseconds, until shouldStop: () -> Bool) {
        while !shouldStop() {
            serveOnce(waitMilliseconds: tickMilliseconds)
        }
    }

    /// One turn of the loop: waits up to `waitMilliseconds` for traffic, hands every queued report
    /// to the endpoint and sends its replies, then polls the endpoint for what time made due.
    public func serveOnce(waitMilliseconds: Int32) {
        if socket.waitForDatagram(milliseconds: waitMilliseconds) {
            while let (bytes, sender) = socket.receive() {
                handle(bytes, from: sender)
            }
        }
        deliver(endpoint.poll(now: clock.milliseconds()), answering: nil)
    }

    private func handle(_ datagram: [UInt8], from sender: PeerAddress) {
        guard datagram.count == CTAPHIDLimits.reportSize else {
            let size = CTAPHIDLimits.reportSize
            logger.debug("ignored a \(datagram.count)-byte datagram from \(sender) (reports are \(size) bytes)")
            return
        }
        guard router.admits(datagram, from: sender) else {
            logger.debug("dropped a report from \(sender) on a channel the device handed to another peer")
            return
        }
        let cause = ReplyRouter<PeerAddress>.channel(of: datagram).map { ReplyRouter.Cause(peer: sender, channel: $0) }
        deliver(endpoint.receive(report: datagram, now: clock.milliseconds()), answering: cause)
    }

    private func deliver(_ replies: [[UInt8]], answering cause: ReplyRouter<PeerAddress>.Cause?) {
        for reply in replies {
            guard reply.count == CTAPHIDLimits.reportSize else {
                preconditionFailure("the endpoint produced a \(reply.count)-byte report")
            }
            guard let peer = router.destination(of: reply, cause: cause) else {
                logger.debug("dropped a report for a channel the device did not hand to anyone here")
                continue
            }
            if !socket.send(reply, to: peer) {
                logger.debug("could not send a report to \(peer)")
            }
        }
    }
}
