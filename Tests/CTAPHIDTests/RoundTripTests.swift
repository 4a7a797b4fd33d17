@testable import CTAPHID
import Testing

/// The host side and the device side pumped against each other in memory, one report at a time.
@Suite struct RoundTripTests {
    static let sizes = [0, 1, 57, 58, 59, 116, 117, 7609]

    /// Opens a channel from the host side against the device.
    func open(_ harness: inout DeviceHarness) throws -> CTAPHIDChannelID {
        var opening = CTAPHIDChannelOpening(nonce: testNonce)
        var response: CTAPHIDInitResponse?
        for report in sentReports(harness.feed(opening.requestReport)) {
            response = try opening.receive(report: report)
        }
        let opened = try #require(response)
        #expect(opened.deviceVersion == testVersion)
        #expect(opened.capabilities == [.wink, .noMessage])
        return opened.channel
    }

    /// Feeds the host's request to the device a report at a time, then the device's answer to the host.
    func exchange(
        _ harness: inout DeviceHarness,
        _ host: inout CTAPHIDHostTransaction,
        answer: (CTAPHIDMessage) -> [UInt8] = { $0.payload }
    ) throws -> [UInt8]? {
        var inbound: [[UInt8]] = []
        for report in host.requestReports {
            for action in harness.feed(report) {
                switch action {
                case .send(let report): inbound.append(report)
                case .deliver(let message):
                    let status = CTAPHIDKeepaliveStatus.processing
                    inbound.append(try #require(harness.device.keepalive(channel: message.channel, status: status)))
                    inbound += try harness.device.respond(
                        channel: message.channel, command: message.command, payload: answer(message)
                    )
                case .wink, .cancel: break
                }
            }
        }
        var result: [UInt8]?
        for report in inbound {
            if case .response(let payload) = try host.receive(report: report) {
                result = payload
            }
        }
        return result
    }

    @Test(arguments: sizes) func pingRoundTrips(size: Int) throws {
        var harness = DeviceHarness()
        let channel = try open(&harness)
        let payload = seededBytes(size, seed: UInt64(size))
        var host = try CTAPHIDHostTransaction(channel: channel, command: .ping, payload: payload)
        let expectedReports = size <= 57 ? 1 : 1 + (size - 57 + 58) / 59
        #expect(host.requestReports.count == expectedReports)
        #expect(try exchange(&harness, &host) == payload)
    }

    @Test(arguments: sizes) func vendorCommandRoundTripsThroughTheApplication(size: Int) throws {
        var harness = DeviceHarness()
        let channel = try open(&harness)
        let payload = seededBytes(size, seed: 0xF00 + UInt64(size))
        let command = CTAPHIDCommand(rawValue: 0x70)
        var host = try CTAPHIDHostTransaction(channel: channel, command: command, payload: payload)
        #expect(try exchange(&harness, &host) { Array($0.payload.reversed()) } == Array(payload.reversed()))
        #expect(!harness.device.isBusy)
    }

    @Test func aMessageOneByteOverTheMaximumIsRefusedOnBothSides() throws {
        let oversize = [UInt8](repeating: 0xEE, count: 7610)
        #expect(throws: CTAPHIDHostError.requestTooLong(length: 7610)) {
            try CTAPHIDHostTransaction(channel: 1, command: .ping, payload: oversize)
        }
        var harness = DeviceHarness()
        let channel = try open(&harness)
        _ = harness.feed(initReport(channel.rawValue, 0x41, length: 0))
        #expect(throws: CTAPHIDDeviceError.messageTooLong(length: 7610)) {
            try harness.device.respond(channel: channel, command: CTAPHIDCommand(rawValue: 0x41), payload: oversize)
        }
    }

    @Test func aDeviceRefusalReachesTheHostAsATypedError() throws {
        var harness = DeviceHarness()
        let channel = try open(&harness)
        var host = try CTAPHIDHostTransaction(channel: channel, command: .lock, payload: [11])
        #expect(throws: CTAPHIDHostError.device(.invalidParameter)) { try exchange(&harness, &host) }
    }
}
