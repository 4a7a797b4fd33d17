import CTAPHID
import CofferEmulator
import CofferTestSupport
import Testing

/// What another host on the emulator's port can do to an honest host's CTAPHID channel, on the built
/// `coffer-emulator`: hold the device with a trickled message only until the message's deadline, and
/// neither inject into nor draw the replies of a channel the device handed to someone else.
@Suite struct EmuChannelTests {
    static let busy = CTAPHIDErrorCode.channelBusy.rawValue
    static let timeout = CTAPHIDErrorCode.messageTimeout.rawValue

    /// The error code of a CTAPHID_ERROR report, nil for any other report.
    static func errorCode(_ report: [UInt8]) -> UInt8? {
        report[4] == CTAPHIDCommand.error.rawValue | 0x80 ? report[7] : nil
    }

    /// A host that sends a continuation every 250 ms (half the silence timeout) is cut off at the
    /// message deadline, long before its 128 continuations are out; until then another channel gets
    /// ERR_CHANNEL_BUSY, and afterwards it is served. The trickler's pace is set by waiting for the
    /// device's answer, so no step sleeps blindly.
    @Test func aTrickledMessageIsCutOffAtItsDeadlineAndTheOtherChannelIsServed() throws {
        let device = try ServedDevice(seed: "e7e7e7e7", slots: 1)
        let trickler = try CTAPHIDTestHost(port: device.port)
        let other = try CTAPHIDTestHost(port: device.port)
        let tricklerChannel = try trickler.openChannel().channel
        let otherChannel = try other.openChannel(nonce: [9, 9, 9, 9, 9, 9, 9, 9]).channel
        let message = try CTAPHIDHostTransaction(
            channel: tricklerChannel, command: .ping, payload: seededBytes(CTAPHIDLimits.maxMessageSize, seed: 5))

        trickler.send(message.requestReports[0])
        var busyAnswers = 0
        var continuationsSent = 0
        var tricklerHeard: UInt8?
        while tricklerHeard == nil, continuationsSent < 40 {
            // The other host asks once per step; while the trickle holds the device it is refused.
            let ping = try CTAPHIDHostTransaction(channel: otherChannel, command: .ping, payload: [1])
            other.send(ping.requestReports[0])
            let answer = try #require(other.nextReport(), "the device did not answer the other host")
            if Self.errorCode(answer) == Self.busy { busyAnswers += 1 }
            if trickler.socket.waitForDatagram(milliseconds: 250), let report = trickler.socket.receive()?.bytes {
                tricklerHeard = Self.errorCode(report)
            } else {
                continuationsSent += 1
                trickler.send(message.requestReports[continuationsSent])
            }
        }
        // 1,000 ms at 250 ms a step: about 4 continuations; 40 allows for a slow machine, and a
        // message held by its silence timeout alone would have taken all 128 (32 s).
        #expect(tricklerHeard == Self.timeout, "the trickled message was never cut off")
        #expect(continuationsSent < 40)
        #expect(busyAnswers >= 1, "the trickle never held the other channel")
        #expect(try other.exchange(otherChannel, .ping, [2, 3]) == [2, 3])
        _ = try device.stopAndInspect()
    }

    /// A second host that learns (or guesses) the first host's channel id and sends on it: its
    /// reports never reach the device, it receives none of that channel's replies, and the first
    /// host's ERR_MSG_TIMEOUT (a reply time produces, routed by channel) still goes to the first host.
    /// Before channels were bound to their peer, the intruder's one datagram took the channel's routes.
    @Test func anotherHostSendingOnAChannelGetsNothingAndMovesNothing() throws {
        let device = try ServedDevice(seed: "e8e8e8e8", slots: 1)
        let owner = try CTAPHIDTestHost(port: device.port)
        let intruder = try CTAPHIDTestHost(port: device.port)
        let channel = try owner.openChannel().channel
        let intruderChannel = try intruder.openChannel(nonce: [7, 7, 7, 7, 7, 7, 7, 7]).channel

        // A PING on the owner's channel and a stray continuation on it, then a PING on its own channel:
        // the first report the intruder gets must be its own echo (the server answers in order).
        let hijack = try CTAPHIDHostTransaction(channel: channel, command: .ping, payload: [0x66])
        intruder.send(hijack.requestReports[0])
        var stray = [UInt8](repeating: 0, count: CTAPHIDLimits.reportSize)
        stray[0...3] = ArraySlice(bigEndian(channel.rawValue))
        intruder.send(stray)
        #expect(try intruder.exchange(intruderChannel, .ping, [0x55]) == [0x55])

        // The owner stalls a message; its timeout must come back to the owner, not the intruder.
        let stalled = try CTAPHIDHostTransaction(
            channel: channel, command: .ping, payload: [UInt8](repeating: 1, count: 100))
        owner.send(stalled.requestReports[0])
        let heard = try #require(owner.nextReport(), "the owner never heard its channel's timeout")
        #expect(Array(heard[0...3]) == bigEndian(channel.rawValue))
        #expect(Self.errorCode(heard) == Self.timeout)
        // Nothing for the owner's channel went to the intruder meanwhile.
        #expect(try intruder.exchange(intruderChannel, .ping, [0x56]) == [0x56])
        #expect(owner.socket.receive() == nil)
        #expect(try owner.exchange(channel, .ping, [0x57]) == [0x57])
        _ = try device.stopAndInspect()
    }

    func bigEndian(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}
