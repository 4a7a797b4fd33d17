@testable import CTAPHID
import Testing

@Suite struct DeviceCommandTests {
    @Test func pingEchoesItsPayload() {
        var harness = DeviceHarness()
        let channel = harness.open()
        let payload = seededBytes(100, seed: 1)
        let request = [
            initReport(channel, 0x01, length: 100, Array(payload[0..<57])),
            continuationReport(channel, sequence: 0, Array(payload[57...])),
        ]
        #expect(sentReports(harness.feed(all: request)) == request)
    }

    @Test func winkAnswersEmptyAndTellsTheApplication() {
        var harness = DeviceHarness()
        let channel = harness.open()
        #expect(harness.feed(initReport(channel, 0x08, length: 0)) == [
            .send(report: initReport(channel, 0x08, length: 0)),
            .wink(channel: CTAPHIDChannelID(rawValue: channel)),
        ])
    }

    @Test func winkWithAPayloadIsInvalidLength() {
        var harness = DeviceHarness()
        let channel = harness.open()
        #expect(harness.feed(initReport(channel, 0x08, length: 1, [1])) == [.send(report: errorReport(channel, 0x03))])
    }

    @Test func vendorCommandsReachTheApplicationWhoseAnswerIsFramed() throws {
        var harness = DeviceHarness()
        let channel = harness.open()
        let payload = seededBytes(70, seed: 2)
        let actions = harness.feed(all: [
            initReport(channel, 0x41, length: 70, Array(payload[0..<57])),
            continuationReport(channel, sequence: 0, Array(payload[57...])),
        ])
        let cid = CTAPHIDChannelID(rawValue: channel)
        let command = CTAPHIDCommand(rawValue: 0x41)
        #expect(actions == [.deliver(CTAPHIDMessage(channel: cid, command: command, payload: payload))])
        #expect(harness.device.isBusy)

        #expect(harness.device.keepalive(channel: cid, status: .processing)
            == initReport(channel, 0x3B, length: 1, [1]))
        let answer = try harness.device.respond(channel: cid, command: command, payload: [0xA0, 0xA1])
        #expect(answer == [initReport(channel, 0x41, length: 2, [0xA0, 0xA1])])
        #expect(!harness.device.isBusy)
        #expect(harness.device.keepalive(channel: cid, status: .processing) == nil)
    }

    @Test func everyVendorCodeIsDeliveredAndEveryOtherUnknownCodeIsInvalidCommand() {
        var harness = DeviceHarness()
        let channel = harness.open()
        let cid = CTAPHIDChannelID(rawValue: channel)
        let answeredByDevice: Set<UInt8> = [0x01, 0x04, 0x06, 0x08, 0x11]
        for code in UInt8(0)...0x7F where !answeredByDevice.contains(code) {
            let actions = harness.feed(initReport(channel, code, length: 0))
            if code >= 0x40 {
                let command = CTAPHIDCommand(rawValue: code)
                #expect(actions == [.deliver(CTAPHIDMessage(channel: cid, command: command, payload: []))])
                _ = try? harness.device.respond(channel: cid, command: command, payload: [])
            } else {
                #expect(actions == [.send(report: errorReport(channel, 0x01))], "command \(code)")
            }
        }
    }
}
