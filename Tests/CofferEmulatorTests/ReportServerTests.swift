import CofferFirmware
import Testing

@testable import CofferEmulator

/// A stand-in for the chip's USB side: echoes each report, and one `timeoutMilliseconds` after the
/// last report on a channel it emits a "timeout" report (byte 4 = 0xBF) on that channel from `poll`.
final class EchoEndpoint: ReportEndpoint {
    static let timeoutMilliseconds: UInt64 = 100
    var received: [[UInt8]] = []
    private var deadlines: [[UInt8]: UInt64] = [:]

    func receive(report: [UInt8], now: UInt64) -> [[UInt8]] {
        received.append(report)
        deadlines[Array(report.prefix(4))] = now + Self.timeoutMilliseconds
        return [report]
    }

    func poll(now: UInt64) -> [[UInt8]] {
        let due = deadlines.filter { $0.value <= now }.keys.sorted { $0.lexicographicallyPrecedes($1) }
        for channel in due { deadlines[channel] = nil }
        return due.map { $0 + [0xBF] + [UInt8](repeating: 0, count: 59) }
    }
}

final class ManualClock: MonotonicClock {
    var now: UInt64 = 1000
    func milliseconds() -> UInt64 { now }
}

/// A UDP peer on loopback playing a CTAPHID host.
struct TestHost {
    let socket: UDPSocket
    let server: PeerAddress

    init(serverPort: UInt16) throws {
        socket = try UDPSocket(host: "127.0.0.1", port: 0)
        server = try PeerAddress(host: "127.0.0.1", port: serverPort)
    }

    func send(_ bytes: [UInt8]) {
        #expect(socket.send(bytes, to: server))
    }

    /// Everything already queued for this host (replies over loopback arrive as they are sent).
    func queued() -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        while let (bytes, _) = socket.receive() { datagrams.append(bytes) }
        return datagrams
    }
}

func report(channel: UInt32, _ marker: UInt8) -> [UInt8] {
    withUnsafeBytes(of: channel.bigEndian) { Array($0) } + [marker] + [UInt8](repeating: 0, count: 59)
}

/// The init packet of an INIT exchange on the broadcast channel that names `allocated` where an
/// INIT response carries the new channel id. The echo endpoint answers it with itself, which the
/// server takes as the device handing `allocated` to the sender.
func initOnBroadcast(allocating allocated: UInt32) -> [UInt8] {
    var packet = [UInt8](repeating: 0, count: 64)
    packet[0...3] = [0xFF, 0xFF, 0xFF, 0xFF]
    packet[4] = 0x86
    packet[6] = 17
    packet[15...18] = withUnsafeBytes(of: allocated.bigEndian) { ArraySlice($0) }
    return packet
}

@Suite struct ReportServerTests {
    let endpoint = EchoEndpoint()
    let clock = ManualClock()
    let server: ReportServer<EchoEndpoint, ManualClock>

    init() throws {
        server = ReportServer(socket: try UDPSocket(host: "127.0.0.1", port: 0), endpoint: endpoint, clock: clock)
    }

    @Test func portZeroBindsAPortTheOSChose() {
        #expect(server.socket.port != 0)
    }

    @Test func reportIsHandedToTheEndpointAndTheReplyGoesBack() throws {
        let host = try TestHost(serverPort: server.socket.port)
        host.send(report(channel: 1, 0x81))
        server.serveOnce(waitMilliseconds: 5000)
        #expect(endpoint.received == [report(channel: 1, 0x81)])
        #expect(host.queued() == [report(channel: 1, 0x81)])
    }

    @Test(arguments: [0, 1, 63, 65, 1500])
    func datagramOfWrongSizeIsIgnoredAndTheNextReportStillAnswered(size: Int) throws {
        let host = try TestHost(serverPort: server.socket.port)
        host.send([UInt8](repeating: 0x42, count: size))
        host.send(report(channel: 2, 0x81))
        server.serveOnce(waitMilliseconds: 5000)
        #expect(endpoint.received == [report(channel: 2, 0x81)])
        #expect(host.queued() == [report(channel: 2, 0x81)])
    }

    /// Has the echo endpoint hand `channel` to `host`, as a device's INIT response would.
    func open(_ channel: UInt32, for host: TestHost) {
        host.send(initOnBroadcast(allocating: channel))
        server.serveOnce(waitMilliseconds: 5000)
        #expect(host.queued() == [initOnBroadcast(allocating: channel)])
    }

    @Test func timeoutsFireFromThePassingOfTimeWithoutTraffic() throws {
        let host = try TestHost(serverPort: server.socket.port)
        open(3, for: host)
        host.send(report(channel: 3, 0x81))
        server.serveOnce(waitMilliseconds: 5000)
        _ = host.queued()
        clock.now += EchoEndpoint.timeoutMilliseconds - 1
        server.serveOnce(waitMilliseconds: 0)
        #expect(host.queued().isEmpty)
        clock.now += 1
        server.serveOnce(waitMilliseconds: 0)
        #expect(host.queued() == [report(channel: 3, 0xBF)])
    }

    @Test func replyGoesToThePeerThatLastSpokeOnItsChannel() throws {
        let first = try TestHost(serverPort: server.socket.port)
        let second = try TestHost(serverPort: server.socket.port)
        open(4, for: first)
        open(5, for: second)
        first.send(report(channel: 4, 0x81))
        server.serveOnce(waitMilliseconds: 5000)
        second.send(report(channel: 5, 0x81))
        server.serveOnce(waitMilliseconds: 5000)
        #expect(first.queued() == [report(channel: 4, 0x81)])
        #expect(second.queued() == [report(channel: 5, 0x81)])
        clock.now += EchoEndpoint.timeoutMilliseconds
        server.serveOnce(waitMilliseconds: 0)
        #expect(first.queued() == [report(channel: 4, 0xBF)])
        #expect(second.queued() == [report(channel: 5, 0xBF)])
    }

    /// Over real sockets: a second host that sends on the first host's channel reaches neither the
    /// endpoint nor the first host's replies, which keep going to the first host.
    @Test func reportsFromAnotherPeerOnAnOwnedChannelNeverReachTheEndpoint() throws {
        let owner = try TestHost(serverPort: server.socket.port)
        let intruder = try TestHost(serverPort: server.socket.port)
        open(6, for: owner)
        endpoint.received.removeAll()
        intruder.send(report(channel: 6, 0x81))
        server.serveOnce(waitMilliseconds: 5000)
        #expect(endpoint.received.isEmpty)
        owner.send(report(channel: 6, 0x82))
        server.serveOnce(waitMilliseconds: 5000)
        #expect(endpoint.received == [report(channel: 6, 0x82)])
        clock.now += EchoEndpoint.timeoutMilliseconds
        server.serveOnce(waitMilliseconds: 0)
        #expect(owner.queued() == [report(channel: 6, 0x82), report(channel: 6, 0xBF)])
        #expect(intruder.queued().isEmpty)
    }

    @Test func broadcastRepliesGoToTheirSenderNotTheLastBroadcaster() throws {
        let first = try TestHost(serverPort: server.socket.port)
        let second = try TestHost(serverPort: server.socket.port)
        let initOnBroadcast = [0xFF, 0xFF, 0xFF, 0xFF, 0x86] + [UInt8](repeating: 0, count: 59)
        first.send(initOnBroadcast)
        second.send(initOnBroadcast)
        server.serveOnce(waitMilliseconds: 5000)
        #expect(first.queued() == [initOnBroadcast])
        #expect(second.queued() == [initOnBroadcast])
    }

    @Test func runStopsWhenAskedWithoutTraffic() {
        var asked = 0
        server.run(tickMilliseconds: 0) {
            asked += 1
            return asked > 3
        }
        #expect(asked == 4)
    }
}

@Suite struct ReplyRouterTests {
    typealias Router = ReplyRouter<String>
    let broadcast = Router.broadcastChannel

    @Test func learnsChannelsFromInitResponsesAndRoutesTimeDrivenRepliesThere() {
        var router = Router()
        let broadcast = Router.Cause(peer: "a", channel: Router.broadcastChannel)
        #expect(router.destination(of: initOnBroadcast(allocating: 7), cause: broadcast) == "a")
        #expect(router.destination(of: report(channel: 7, 0), cause: nil) == "a")
        let admitted1 = router.admits(report(channel: 7, 0), from: "a")
        #expect(admitted1)
    }

    /// One datagram with another host's channel id neither reaches the device nor moves the
    /// channel's replies to its sender: a channel belongs to the peer its INIT response went to.
    @Test func aReportOnAnotherPeersChannelIsRefusedAndMovesNothing() {
        var router = Router()
        _ = router.destination(of: initOnBroadcast(allocating: 7), cause: Router.Cause(peer: "a", channel: broadcast))
        let admitted2 = router.admits(report(channel: 7, 0), from: "intruder")
        #expect(!admitted2)
        #expect(router.destination(of: report(channel: 7, 0), cause: nil) == "a")
        let admitted3 = router.admits(report(channel: 7, 0), from: "a")
        #expect(admitted3)
        // The broadcast channel and ids nobody was given stay open to all (INIT, ERR_INVALID_CHANNEL).
        let admitted4 = router.admits(report(channel: Router.broadcastChannel, 0x86), from: "intruder")
        #expect(admitted4)
        let admitted5 = router.admits(report(channel: 8, 0), from: "intruder")
        #expect(admitted5)
    }

    @Test func timeDrivenReplyOnAChannelNobodyWasGivenIsDropped() throws {
        var router = Router()
        let admitted6 = router.admits(report(channel: 3, 0x81), from: "a")
        #expect(admitted6)
        #expect(router.destination(of: report(channel: 3, 0xBF), cause: nil) == nil)
    }

    @Test func madeUpChannelIDsTeachNothingAndEvictNothing() {
        var router = Router(capacity: 2)
        _ = router.destination(of: initOnBroadcast(allocating: 7), cause: Router.Cause(peer: "a", channel: broadcast))
        for junk in UInt32(100)..<UInt32(5_000) { _ = router.admits(report(channel: junk, 0), from: "flood") }
        #expect(router.destination(of: report(channel: 7, 0), cause: nil) == "a")
        #expect(router.destination(of: report(channel: 100, 0), cause: nil) == nil)
    }

    @Test func aReplyOnAnotherHostsChannelNeverGoesToTheCausingPeer() {
        var router = Router()
        _ = router.destination(of: initOnBroadcast(allocating: 7), cause: Router.Cause(peer: "a", channel: broadcast))
        // The device notices channel 7's timeout while handling the flooder's report on channel 9.
        let flooder = Router.Cause(peer: "flood", channel: 9)
        #expect(router.destination(of: report(channel: 7, 0), cause: flooder) == "a")
        #expect(router.destination(of: report(channel: 8, 0), cause: flooder) == nil)
        // Its own channel's answer (INVALID_CHANNEL for a made-up id) does reach it.
        #expect(router.destination(of: report(channel: 9, 0), cause: flooder) == "flood")
    }

    @Test func forgetsTheChannelUsedLeastRecentlyBeyondCapacity() {
        var router = Router(capacity: 2)
        for (channel, peer) in [(UInt32(1), "a"), (2, "b")] {
            _ = router.destination(
                of: initOnBroadcast(allocating: channel), cause: .init(peer: peer, channel: Router.broadcastChannel))
        }
        // a keeps its channel in use, so b's (allocated later) is the one forgotten.
        let admitted7 = router.admits(report(channel: 1, 0), from: "a")
        #expect(admitted7)
        _ = router.destination(of: initOnBroadcast(allocating: 3), cause: Router.Cause(peer: "c", channel: broadcast))
        #expect(router.destination(of: report(channel: 1, 0), cause: nil) == "a")
        #expect(router.destination(of: report(channel: 2, 0), cause: nil) == nil)
        #expect(router.destination(of: report(channel: 3, 0), cause: nil) == "c")
    }

    @Test func forgetsTheOldestAllocationBeyondCapacity() {
        var router = Router(capacity: 2)
        for (channel, peer) in [(UInt32(1), "a"), (2, "b"), (3, "c")] {
            _ = router.destination(
                of: initOnBroadcast(allocating: channel), cause: .init(peer: peer, channel: Router.broadcastChannel))
        }
        #expect(router.destination(of: report(channel: 1, 0), cause: nil) == nil)
        #expect(router.destination(of: report(channel: 2, 0), cause: nil) == "b")
        #expect(router.destination(of: report(channel: 3, 0), cause: nil) == "c")
    }
}
