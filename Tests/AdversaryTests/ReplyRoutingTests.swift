import CTAPHID
import CofferEmulator
import Testing

/// Where the emulator sends an answer that time produces (ERR_MSG_TIMEOUT) after a flood of channel
/// ids has pushed the stalled channel out of its reply routes (1,024 channels remembered).
@Suite struct ReplyRoutingTests {
    /// The router learns channels only from the device's INIT responses, so 1,100 junk ids neither
    /// push the stalled host out nor draw its ERR_MSG_TIMEOUT to the host whose datagram made the
    /// device notice it.
    @Test func timeoutOfAStalledChannelGoesToItsHostAfterAFloodOfChannelIDs() throws {
        let device = try ServedDevice(seed: "7007700770077007", slots: 1)
        var generator = SeededGenerator(seed: 0x7007)
        let stalled = try PatientChannel(port: device.port, generator: generator.split())
        let flooder = try PatientChannel(port: device.port, generator: generator.split())
        let target = try PeerAddress(host: "127.0.0.1", port: device.port)
        let stalledChannel = stalled.channel

        // The stalled host sends the first of several packets, and nothing after it.
        var message = try CTAPHIDMessageEncoder.reports(
            channel: stalledChannel, command: CTAPHIDCommand(rawValue: 0x44), payload: generator.bytes(300))
        _ = stalled.socket.send(message.removeFirst(), to: target)

        // The flooder: stray continuations on 1,100 channel ids nobody opened (the device ignores
        // them), 50 at a time, each batch closed by a PING on its own channel so none is lost; then
        // PINGs until the stall has timed out (each is answered CHANNEL_BUSY until then).
        var sawStalledChannel = false
        /// A PING on the flooder's channel; true if it was echoed, false if refused (busy).
        func probe(_ tag: UInt8) throws -> Bool {
            for report in try CTAPHIDMessageEncoder.reports(channel: flooder.channel, command: .ping, payload: [tag]) {
                _ = flooder.socket.send(report, to: target)
            }
            let deadline = PatientChannel.now() + 2_000
            while PatientChannel.now() < deadline {
                guard flooder.socket.waitForDatagram(milliseconds: 100) else { continue }
                while let (report, _) = flooder.socket.receive() {
                    let channel = ReportHeader.channel(of: report)
                    if channel == stalledChannel { sawStalledChannel = true }
                    if channel == flooder.channel { return report[4] == CTAPHIDCommand.ping.rawValue | 0x80 }
                }
            }
            throw ExchangeFailure.noReply("probe")
        }
        for batch in 0..<22 {
            for _ in 0..<50 {
                var report = generator.bytes(CTAPHIDLimits.reportSize)
                report[4] &= 0x7F
                _ = flooder.socket.send(report, to: target)
            }
            _ = try probe(UInt8(batch))
        }
        let deadline = PatientChannel.now() + 4 * CTAPHIDLimits.messageTimeoutMilliseconds
        var timedOut = false
        while !timedOut, PatientChannel.now() < deadline {
            timedOut = try probe(0xEE)
        }
        try #require(timedOut, "the stall never ended")
        var stalledHeard: [UInt8]?
        if stalled.socket.waitForDatagram(milliseconds: 0) { stalledHeard = stalled.socket.receive()?.bytes }

        #expect(!sawStalledChannel, "another host received the stalled channel's timeout")
        #expect(stalledHeard.flatMap(ReportHeader.channel(of:)) == stalledChannel, "the stalled host heard nothing")
        _ = try device.stopAndInspect()
    }
}
