@testable import CTAPHID
import Testing

@Suite struct DeviceLockAndCancelTests {
    @Test func lockKeepsOtherChannelsOutUntilItExpires() {
        var harness = DeviceHarness()
        let holder = harness.open(), other = harness.open()
        #expect(harness.feed(initReport(holder, 0x04, length: 1, [5]))
            == [.send(report: initReport(holder, 0x04, length: 0))])
        let start = harness.now
        #expect(harness.feed(initReport(other, 0x01, length: 0)) == [.send(report: errorReport(other, 0x06))])
        // Even opening a new channel waits for the lock.
        #expect(harness.feed(initReport(0xFFFF_FFFF, 0x06, length: 8, testNonce))
            == [.send(report: errorReport(0xFFFF_FFFF, 0x06))])
        // Nor may another application resynchronise its own channel.
        #expect(harness.feed(initReport(other, 0x06, length: 8, testNonce))
            == [.send(report: errorReport(other, 0x06))])
        #expect(harness.feed(initReport(holder, 0x01, length: 1, [1]))
            == [.send(report: initReport(holder, 0x01, length: 1, [1]))])
        harness.now = start + 4_999
        #expect(harness.feed(initReport(other, 0x01, length: 0)) == [.send(report: errorReport(other, 0x06))])
        harness.now = start + 5_000
        #expect(harness.feed(initReport(other, 0x01, length: 0))
            == [.send(report: initReport(other, 0x01, length: 0))])
    }

    @Test func lockZeroReleasesAtOnce() {
        var harness = DeviceHarness()
        let holder = harness.open(), other = harness.open()
        _ = harness.feed(initReport(holder, 0x04, length: 1, [10]))
        #expect(harness.feed(initReport(holder, 0x04, length: 1, [0]))
            == [.send(report: initReport(holder, 0x04, length: 0))])
        #expect(harness.feed(initReport(other, 0x08, length: 0)).first
            == .send(report: initReport(other, 0x08, length: 0)))
    }

    @Test func lockOverTenSecondsIsInvalidParameter() {
        var harness = DeviceHarness()
        let holder = harness.open(), other = harness.open()
        #expect(harness.feed(initReport(holder, 0x04, length: 1, [11])) == [.send(report: errorReport(holder, 0x02))])
        #expect(harness.feed(initReport(other, 0x01, length: 0))
            == [.send(report: initReport(other, 0x01, length: 0))])
    }

    @Test func lockWithoutExactlyOneByteIsInvalidLength() {
        var harness = DeviceHarness()
        let holder = harness.open()
        #expect(harness.feed(initReport(holder, 0x04, length: 0)) == [.send(report: errorReport(holder, 0x03))])
        #expect(harness.feed(initReport(holder, 0x04, length: 2, [1, 1])) == [.send(report: errorReport(holder, 0x03))])
    }

    @Test func cancelDropsAMessageStillArrivingWithoutAnswering() {
        var harness = DeviceHarness()
        let channel = harness.open()
        _ = harness.feed(initReport(channel, 0x01, length: 100, [UInt8](repeating: 3, count: 57)))
        #expect(harness.feed(initReport(channel, 0x11, length: 0)).isEmpty)
        #expect(!harness.device.isBusy)
        #expect(harness.feed(continuationReport(channel, sequence: 0)).isEmpty)
    }

    @Test func cancelTellsTheApplicationWorkingOnTheChannel() throws {
        var harness = DeviceHarness()
        let channel = harness.open(), other = harness.open()
        let cid = CTAPHIDChannelID(rawValue: channel)
        _ = harness.feed(initReport(channel, 0x60, length: 0))
        // Another channel's CANCEL touches nothing and is not answered either.
        #expect(harness.feed(initReport(other, 0x11, length: 0)).isEmpty)
        #expect(harness.feed(initReport(channel, 0x11, length: 0)) == [.cancel(channel: cid)])
        #expect(harness.device.isBusy)
        let answer = try harness.device.fail(channel: cid, code: .other)
        #expect(answer == errorReport(channel, 0x7F))
        #expect(!harness.device.isBusy)
    }

    @Test func cancelWithNothingInProgressIsIgnored() {
        var harness = DeviceHarness()
        let channel = harness.open()
        #expect(harness.feed(initReport(channel, 0x11, length: 0)).isEmpty)
        #expect(harness.feed(initReport(0x0BAD_0BAD, 0x11, length: 0)).isEmpty)
    }

    @Test func anAnswerWithNoPendingMessageIsRefusedAndNotSent() {
        var harness = DeviceHarness()
        let channel = harness.open()
        let cid = CTAPHIDChannelID(rawValue: channel)
        let command = CTAPHIDCommand(rawValue: 0x42)
        #expect(throws: CTAPHIDDeviceError.noPendingMessage(channel: cid)) {
            try harness.device.respond(channel: cid, command: command, payload: [1])
        }
        // A resync drops the message the application was working on; its late answer is refused.
        _ = harness.feed(initReport(channel, 0x42, length: 0))
        _ = harness.feed(initReport(channel, 0x06, length: 8, testNonce))
        #expect(throws: CTAPHIDDeviceError.noPendingMessage(channel: cid)) {
            try harness.device.respond(channel: cid, command: command, payload: [1])
        }
        #expect(throws: CTAPHIDDeviceError.noPendingMessage(channel: cid)) {
            try harness.device.fail(channel: cid, code: .other)
        }
    }

    @Test func anOversizeAnswerIsRefusedAndTheMessageStillAwaitsOne() throws {
        var harness = DeviceHarness()
        let channel = harness.open()
        let cid = CTAPHIDChannelID(rawValue: channel)
        let command = CTAPHIDCommand(rawValue: 0x42)
        _ = harness.feed(initReport(channel, 0x42, length: 0))
        #expect(throws: CTAPHIDDeviceError.messageTooLong(length: 7610)) {
            try harness.device.respond(channel: cid, command: command, payload: [UInt8](repeating: 0, count: 7610))
        }
        #expect(harness.device.isBusy)
        #expect(try harness.device.respond(channel: cid, command: command, payload: []).count == 1)
    }
}
