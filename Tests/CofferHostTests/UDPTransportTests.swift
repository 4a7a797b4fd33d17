import CTAPHID
import CofferCrypto
import CofferTestSupport
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
