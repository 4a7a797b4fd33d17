import Testing

@testable import CTAPHID

/// A message that keeps coming, one continuation just inside each silence timeout, still ends at its
/// deadline: the device holds other channels at ERR_CHANNEL_BUSY for
/// `CTAPHIDLimits.messageDeadlineMilliseconds` from the init packet, not for as long as the host
/// cares to trickle.
@Suite struct DeviceMessageDeadlineTests {
    static let busy: UInt8 = 0x06
    static let messageTimeout: UInt8 = 0x05

    /// The init packet and the 128 continuations of the largest PING.
    func largestPing(_ channel: UInt32) -> [[UInt8]] {
        let payload = seededBytes(CTAPHIDLimits.maxMessageSize, seed: 9)
        var reports = [initReport(channel, 0x01, length: payload.count, Array(payload[0..<57]))]
        var offset = 57
        for sequence in 0...UInt8(CTAPHIDLimits.maxSequence) {
            let end = min(offset + 59, payload.count)
            reports.append(continuationReport(channel, sequence: sequence, Array(payload[offset..<end])))
            offset = end
        }
        return reports
    }

    @Test func aTrickledMessageEndsAtItsDeadlineAndAnotherChannelIsServedThen() {
        #expect(CTAPHIDLimits.messageDeadlineMilliseconds == 1000)
        let step = CTAPHIDLimits.messageTimeoutMilliseconds - 100
        var harness = DeviceHarness()
        let trickler = harness.open(), other = harness.open()
        let reports = largestPing(trickler)
        let otherPing = initReport(other, 0x01, length: 1, [42])
        let start = harness.now
        #expect(harness.feed(reports[0]).isEmpty)

        // A continuation every 400 ms never lets the silence timeout fire; the other channel is busy.
        var next = 1
        while harness.now + step < start + CTAPHIDLimits.messageDeadlineMilliseconds {
            harness.now += step
            #expect(harness.feed(reports[next]).isEmpty, "continuation \(next) at +\(harness.now - start) ms")
            next += 1
            #expect(harness.feed(otherPing) == [.send(report: errorReport(other, Self.busy))])
        }
        harness.now = start + CTAPHIDLimits.messageDeadlineMilliseconds - 1
        #expect(harness.device.poll(now: harness.now).isEmpty)
        #expect(harness.feed(otherPing) == [.send(report: errorReport(other, Self.busy))])
        #expect(harness.device.isBusy)

        // At the deadline the trickled message is abandoned and the other channel is served.
        harness.now += 1
        #expect(
            harness.feed(otherPing) == [
                .send(report: errorReport(trickler, Self.messageTimeout)),
                .send(report: otherPing),
            ])
        #expect(!harness.device.isBusy)
        // The rest of the abandoned message is noise.
        #expect(harness.feed(all: Array(reports[next...])).isEmpty)
    }

    @Test func theDeadlineFiresFromThePassingOfTimeAlone() {
        var harness = DeviceHarness()
        let trickler = harness.open()
        let reports = largestPing(trickler)
        let start = harness.now
        _ = harness.feed(reports[0])
        harness.now += 450
        _ = harness.feed(reports[1])
        harness.now += 450
        _ = harness.feed(reports[2])
        #expect(harness.device.poll(now: start + CTAPHIDLimits.messageDeadlineMilliseconds - 1).isEmpty)
        #expect(
            harness.device.poll(now: start + CTAPHIDLimits.messageDeadlineMilliseconds)
                == [.send(report: errorReport(trickler, Self.messageTimeout))])
    }

    @Test func aMessageStreamedBackToBackIsUntouchedByTheDeadline() {
        var harness = DeviceHarness()
        let channel = harness.open()
        let reports = largestPing(channel)
        var echoed: [[UInt8]] = []
        for report in reports {
            // 7 ms per packet: the 129 packets take 903 ms, inside the deadline.
            harness.now += 7
            echoed += sentReports(harness.feed(report))
        }
        #expect(echoed.count == reports.count)
        // The echo's init packet: PING with BCNT 7609 (0x1DB9).
        #expect(echoed.first.map { Array($0[4...6]) } == [0x81, 0x1D, 0xB9])
    }
}
