import CTAPHID
import CofferCrypto
import CofferEmulator
import CofferTestSupport
import Foundation
import Testing
@testable import CofferHost

/// The UDP link and the CTAPHID transport against a real UDP peer on 127.0.0.1.
@Suite struct UDPTransportTests {
    static let quick = TransportTiming(responseMilliseconds: 2000, busyRetries: 3, busyBackoffMilliseconds: 1,
                                       busyBackoffLimitMilliseconds: 4)

    func transport(to peer: UDPTestPeer, timing: TransportTiming = quick) throws -> CTAPHIDTransport {
        try CTAPHIDTransport(link: UDPLink(host: "127.0.0.1", port: peer.port), random: SeededRandom(seed: [1]),
                             timing: timing)
    }

    @Test("INIT opens a channel and reports the device's version")
    func openChannel() throws {
        let peer = UDPTestPeer()
        defer { peer.stop() }
        let device = try transport(to: peer)
        #expect(device.channelInfo.channel == CTAPHIDChannelID(rawValue: 0x0100_0000))
        #expect(device.channelInfo.deviceVersion == CTAPHIDDeviceVersion(major: 1, minor: 2, build: 3))
        #expect(device.deviceName == "udp://127.0.0.1:\(peer.port)")
    }

    @Test("PING echoes payloads up to the largest CTAPHID message", arguments: [0, 1, 57, 58, 1000, 7609])
    func ping(size: Int) throws {
        let peer = UDPTestPeer()
        defer { peer.stop() }
        let payload = seededBytes(size, seed: UInt64(size))
        #expect(try transport(to: peer).request(.ping, payload: payload) == payload)
    }

    @Test("keep-alives and reports on other channels are skipped")
    func skipsNoise() throws {
        let peer = UDPTestPeer()
        defer { peer.stop() }
        let payload = seededBytes(200, seed: 2)
        #expect(try transport(to: peer).request(CTAPHIDCommand(rawValue: 0x40), payload: payload) == payload.reversed())
    }

    @Test("ERR_CHANNEL_BUSY is retried within the bound")
    func busyRetried() throws {
        let peer = UDPTestPeer(busyAnswers: 3)
        defer { peer.stop() }
        #expect(try transport(to: peer).request(CTAPHIDCommand(rawValue: 0x41), payload: [1, 2, 3]) == [3, 2, 1])
        #expect(peer.busyAnswersSent == 3)
    }

    @Test("past the bound, ERR_CHANNEL_BUSY is reported as busy (exit 69)")
    func busyGivesUp() throws {
        let peer = UDPTestPeer(busyAnswers: 100)
        defer { peer.stop() }
        let device = try transport(to: peer)
        let error = #expect(throws: DeviceError.self) {
            try device.request(CTAPHIDCommand(rawValue: 0x41), payload: [])
        }
        guard case .busy? = error else { Issue.record("expected busy, got \(String(describing: error))"); return }
        #expect(error?.exitStatus == .unavailable)
        #expect(peer.busyAnswersSent == 4)
    }

    @Test("a device that never answers times out")
    func noResponse() throws {
        let peer = UDPTestPeer()
        defer { peer.stop() }
        let timing = TransportTiming(responseMilliseconds: 100, busyRetries: 0, busyBackoffMilliseconds: 1,
                                     busyBackoffLimitMilliseconds: 1)
        let device = try transport(to: peer, timing: timing)
        #expect(throws: DeviceError.noResponse(device: device.deviceName, afterMilliseconds: 100)) {
            try device.request(CTAPHIDCommand(rawValue: 0x42), payload: [])
        }
    }

    /// A device that answers a request with nothing but keep-alives, each well inside the silence
    /// timeout, cannot hold the host past the request's deadline (before the deadline the host
    /// waited as long as the device kept talking; the peer gives up after 2,000 keep-alives so the
    /// old behaviour fails this test instead of hanging it).
    @Test("keep-alives for ever end at the request's deadline (exit 69)")
    func keepalivesForeverEndAtTheDeadline() throws {
        let peer = KeepaliveForeverPeer()
        defer { peer.stop() }
        let timing = TransportTiming(responseMilliseconds: 5_000, busyRetries: 0, busyBackoffMilliseconds: 1,
                                     busyBackoffLimitMilliseconds: 1)
        let device = try CTAPHIDTransport(link: UDPLink(host: "127.0.0.1", port: peer.port),
                                          random: SeededRandom(seed: [2]), timing: timing, deadlineMilliseconds: 300)
        let error = #expect(throws: DeviceError.self) {
            try device.request(CTAPHIDCommand(rawValue: 0x44), payload: [1, 2, 3])
        }
        #expect(error == .noResponse(device: device.deviceName, afterMilliseconds: 300))
        #expect(error?.exitStatus == .unavailable)
        #expect(peer.keepalivesSent >= 1, "the peer never sent a keep-alive")
    }

    @Test("the default deadline leaves a vault request two minutes")
    func defaultDeadline() {
        #expect(CTAPHIDTransport.defaultDeadlineMilliseconds == 120_000)
    }

    @Test("a port where nothing listens is unreachable (exit 69)")
    func nothingListens() throws {
        let peer = UDPTestPeer()
        let port = peer.port
        peer.stop()
        let error = #expect(throws: DeviceError.self) {
            try CTAPHIDTransport(link: UDPLink(host: "127.0.0.1", port: port), timing: Self.quick)
        }
        guard case .unreachable? = error else {
            Issue.record("expected unreachable, got \(String(describing: error))")
            return
        }
        #expect(error?.exitStatus == .unavailable)
    }
}

/// A malicious CTAPHID device on a real UDP socket: it opens channels like any device, then answers
/// every vendor request with CTAPHID_KEEPALIVE every 10 ms and never with a response (until it has
/// sent `limit` of them).
final class KeepaliveForeverPeer: @unchecked Sendable {
    let port: UInt16
    private let socket: UDPSocket
    private let state = TestLock()
    private var stopped = false
    private var sent = 0
    private let finished = DispatchSemaphore(value: 0)
    private let limit: Int

    init(limit: Int = 2_000) {
        self.limit = limit
        socket = try! UDPSocket(host: "127.0.0.1", port: 0)
        port = socket.port
        Thread.detachNewThread { [self] in serve() }
    }

    /// How many keep-alives went out.
    var keepalivesSent: Int { state.locked { sent } }

    func stop() {
        state.locked { stopped = true }
        finished.wait()
    }

    private func serve() {
        var device = CTAPHIDDevice(version: CTAPHIDDeviceVersion(major: 1, minor: 0, build: 0),
                                   channelIDs: CTAPHIDSequentialChannelIDs(first: 0x0200_0000))
        var working: (channel: CTAPHIDChannelID, host: PeerAddress)?
        var now: UInt64 = 0
        while !state.locked({ stopped }) {
            if socket.waitForDatagram(milliseconds: 10) {
                while let (report, sender) = socket.receive() {
                    for case .send(let reply) in device.receive(report: report, now: now) {
                        _ = socket.send(reply, to: sender)
                    }
                    let vendor = report[4] & 0x80 != 0 && report[4] & 0x7F >= 0x40
                    if vendor, let channel = ReportHeader.channel(of: report) {
                        working = (channel, sender)
                    }
                }
            }
            now += 10
            guard let (channel, host) = working, state.locked({ sent < limit }),
                  let keepalive = device.keepalive(channel: channel, status: .processing)
            else { continue }
            _ = socket.send(keepalive, to: host)
            state.locked { sent += 1 }
        }
        finished.signal()
    }
}
