@testable import CTAPHID
import Testing

/// One transaction at a time, sequencing and the message timeout (§11.2.5).
@Suite struct DeviceTransactionTests {
    /// A 200-byte PING on `channel`: an init packet and three continuations (SEQ 0, 1, 2).
    func ping200(_ channel: UInt32, seed: UInt64 = 7) -> (payload: [UInt8], reports: [[UInt8]]) {
        let payload = seededBytes(200, seed: seed)
        return (payload, [
            initReport(channel, 0x01, length: 200, Array(payload[0..<57])),
            continuationReport(channel, sequence: 0, Array(payload[57..<116])),
            continuationReport(channel, sequence: 1, Array(payload[116..<175])),
            continuationReport(channel, sequence: 2, Array(payload[175..<200])),
        ])
    }

    @Test func aContinuationWithNoMessageInProgressIsIgnored() {
        var harness = DeviceHarness()
        let channel = harness.open()
        #expect(harness.feed(continuationReport(channel, sequence: 0, [1, 2, 3])).isEmpty)
        #expect(harness.feed(continuationReport(0x0BAD_0BAD, sequence: 4)).isEmpty)
        #expect(!harness.device.isBusy)
    }

    @Test func aContinuationOutOfSequenceIsInvalidSeqAndAbortsTheMessage() {
        var harness = DeviceHarness()
        let channel = harness.open()
        let ping = ping200(channel)
        #expect(harness.feed(ping.reports[0]).isEmpty)
        #expect(harness.feed(ping.reports[2]) == [.send(report: errorReport(channel, 0x04))])
        #expect(!harness.device.isBusy)
        // The rest of the abandoned message is noise now.
        #expect(harness.feed(all: [ping.reports[1], ping.reports[3]]).isEmpty)
    }

    @Test func shuffledContinuationsGetInvalidSeqOnceAndNothingElse() {
        var harness = DeviceHarness()
        let channel = harness.open()
        let payload = seededBytes(7609, seed: 11)
        let reports = (try? CTAPHIDMessageEncoder.reports(channel: CTAPHIDChannelID(rawValue: channel),
                                                            command: .ping, payload: payload)) ?? []
        var generator = SeededGenerator(seed: 0x5EED)
        var continuations = Array(reports.dropFirst())
        continuations.shuffle(using: &generator)
        #expect(continuations != Array(reports.dropFirst()))
        let actions = harness.feed(all: [reports[0]] + continuations)
        #expect(actions == [.send(report: errorReport(channel, 0x04))])
        #expect(!harness.device.isBusy)
    }

    @Test func reportsFedOneAtATimeAnswerOnlyAfterTheLast() {
        var harness = DeviceHarness()
        let channel = harness.open()
        let ping = ping200(channel)
        for report in ping.reports.dropLast() {
            #expect(harness.feed(report).isEmpty)
            harness.now += 1
        }
        #expect(sentReports(harness.feed(ping.reports[3])) == ping.reports)
    }

    @Test func aNewMessageOnTheSameChannelMidMessageIsInvalidSeq() {
        var harness = DeviceHarness()
        let channel = harness.open()
        _ = harness.feed(ping200(channel).reports[0])
        #expect(harness.feed(initReport(channel, 0x01, length: 1, [5])) == [.send(report: errorReport(channel, 0x04))])
        #expect(!harness.device.isBusy)
    }

    @Test func aSecondChannelIsBusyWhileTheFirstIsReceivingThenWorksAfterwards() {
        var harness = DeviceHarness()
        let first = harness.open(), second = harness.open()
        let one = ping200(first, seed: 1), two = ping200(second, seed: 2)
        // Interleave: 1.init, 2.init, 1.c0, 2.c0, 1.c1, 2.c1, 1.c2, 2.c2.
        var answers: [CTAPHIDDeviceAction] = []
        for index in 0..<4 {
            answers += harness.feed(one.reports[index])
            let refused = harness.feed(two.reports[index])
            // The second channel's init packet is refused; its continuations belong to no message.
            #expect(refused == (index == 0 ? [.send(report: errorReport(second, 0x06))] : []))
        }
        #expect(sentReports(answers) == one.reports)
        #expect(sentReports(harness.feed(all: two.reports)) == two.reports)
    }

    @Test func otherChannelsAndTheSameChannelAreBusyWhileTheApplicationWorks() throws {
        var harness = DeviceHarness()
        let first = harness.open(), second = harness.open()
        _ = harness.feed(initReport(first, 0x50, length: 1, [1]))
        #expect(harness.feed(initReport(second, 0x01, length: 0)) == [.send(report: errorReport(second, 0x06))])
        #expect(harness.feed(initReport(first, 0x01, length: 0)) == [.send(report: errorReport(first, 0x06))])
        // Time does not end the application's work; only its answer does.
        harness.now += 60_000
        #expect(harness.device.poll(now: harness.now).isEmpty)
        _ = try harness.device.respond(channel: CTAPHIDChannelID(rawValue: first),
                                       command: CTAPHIDCommand(rawValue: 0x50), payload: [])
        #expect(harness.feed(initReport(second, 0x01, length: 0))
            == [.send(report: initReport(second, 0x01, length: 0))])
    }

    @Test func aStalledMessageTimesOutAt500MillisecondsNot499() {
        var harness = DeviceHarness()
        let channel = harness.open()
        let ping = ping200(channel)
        _ = harness.feed(ping.reports[0])
        harness.now += 499
        #expect(harness.device.poll(now: harness.now).isEmpty)
        #expect(harness.feed(ping.reports[1]).isEmpty)  // 499 ms after the init packet: still fine
        #expect(harness.device.poll(now: harness.now + 499).isEmpty)
        harness.now += 500
        #expect(harness.device.poll(now: harness.now) == [.send(report: errorReport(channel, 0x05))])
        #expect(!harness.device.isBusy)
        #expect(harness.device.poll(now: harness.now + 1000).isEmpty)
        #expect(harness.feed(ping.reports[2]).isEmpty)
    }

    @Test func theTimeoutIsAlsoNoticedOnTheNextReportFromAnotherChannel() {
        var harness = DeviceHarness()
        let first = harness.open(), second = harness.open()
        _ = harness.feed(ping200(first).reports[0])
        harness.now += 500
        #expect(harness.feed(initReport(second, 0x01, length: 1, [42])) == [
            .send(report: errorReport(first, 0x05)),
            .send(report: initReport(second, 0x01, length: 1, [42])),
        ])
    }

    @Test func aLengthOverTheMaximumIsInvalidLength() {
        var harness = DeviceHarness()
        let channel = harness.open()
        #expect(harness.feed(initReport(channel, 0x01, length: 7610)) == [.send(report: errorReport(channel, 0x03))])
        #expect(harness.feed(initReport(channel, 0x41, length: 0xFFFF)) == [.send(report: errorReport(channel, 0x03))])
        #expect(!harness.device.isBusy)
    }

    @Test func unknownStandardCommandsAreInvalidCommandEvenWhenLong() {
        var harness = DeviceHarness()
        let channel = harness.open()
        // MSG and CBOR are not offered (NMSG, no CBOR); KEEPALIVE and ERROR go device to host only.
        for code: UInt8 in [0x03, 0x10, 0x3B, 0x3F] {
            #expect(harness.feed(initReport(channel, code, length: 300)) == [.send(report: errorReport(channel, 0x01))])
            #expect(!harness.device.isBusy)
        }
    }
}
