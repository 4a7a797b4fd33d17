@testable import CTAPHID
import Testing

@Suite struct DeviceChannelTests {
    @Test func initOnBroadcastAllocatesAChannelAndAnswersByteForByte() {
        var harness = DeviceHarness(firstChannelID: 0x0100_0001)
        let actions = harness.feed(initReport(0xFFFF_FFFF, 0x06, length: 8, testNonce))
        // Response on broadcast: nonce, new CID, protocol 2, version 3.1.4, capabilities WINK|NMSG.
        let expected = initReport(0xFFFF_FFFF, 0x06, length: 17, testNonce + [0x01, 0, 0, 0x01, 2, 3, 1, 4, 0x09])
        #expect(actions == [.send(report: expected)])
        #expect(harness.device.isAllocated(0x0100_0001))
    }

    @Test func allocatedChannelsAreNeverReservedOrBroadcastAndAlwaysUnique() {
        // Candidates 0xFFFFFFFE, 0xFFFFFFFF, 0, 1, 2, ...: the device must skip broadcast and 0.
        var harness = DeviceHarness(firstChannelID: 0xFFFF_FFFE)
        var seen: Set<UInt32> = []
        for index in 0..<10 {
            let channel = harness.open(nonce: [UInt8](repeating: UInt8(index), count: 8))
            #expect(channel != 0 && channel != 0xFFFF_FFFF)
            #expect(seen.insert(channel).inserted)
        }
        #expect(seen == [0xFFFF_FFFE, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    }

    @Test func aCandidateAlreadyInUseIsSteppedPast() {
        struct Repeating: CTAPHIDChannelIDSource {
            mutating func nextChannelID() -> UInt32 { 0x55 }
        }
        var device = CTAPHIDDevice(version: testVersion, channelIDs: Repeating())
        var channels: [CTAPHIDChannelID] = []
        for _ in 0..<3 {
            let actions = device.receive(report: initReport(0xFFFF_FFFF, 0x06, length: 8, testNonce), now: 0)
            guard case .send(let report) = actions.first else { Issue.record("no INIT answer"); return }
            channels.append(CTAPHIDChannelID(rawValue: UInt32(report[15]) << 24 | UInt32(report[16]) << 16
                | UInt32(report[17]) << 8 | UInt32(report[18])))
        }
        #expect(channels == [0x55, 0x56, 0x57])
    }

    @Test func aFullTableForgetsTheLeastRecentlyUsedChannel() {
        var harness = DeviceHarness(firstChannelID: 1, channelCapacity: 3)
        let first = harness.open(), second = harness.open(), third = harness.open()
        _ = harness.feed(initReport(first, 0x01, length: 0))  // use the first again: the second is now oldest
        let fourth = harness.open()
        #expect(fourth == 4)
        #expect(harness.device.isAllocated(CTAPHIDChannelID(rawValue: first)))
        #expect(!harness.device.isAllocated(CTAPHIDChannelID(rawValue: second)))
        #expect(harness.device.isAllocated(CTAPHIDChannelID(rawValue: third)))
        #expect(harness.feed(initReport(second, 0x01, length: 0)) == [.send(report: errorReport(second, 0x0B))])
    }

    @Test func initOnAnAllocatedChannelResyncsItAndKeepsItsID() {
        var harness = DeviceHarness()
        let channel = harness.open()
        // Start a two-packet PING, then resynchronise mid-message.
        _ = harness.feed(initReport(channel, 0x01, length: 100, [UInt8](repeating: 1, count: 57)))
        #expect(harness.device.isBusy)
        let nonce: [UInt8] = [9, 9, 9, 9, 8, 8, 8, 8]
        let actions = harness.feed(initReport(channel, 0x06, length: 8, nonce))
        let expected = initReport(channel, 0x06, length: 17, nonce + bigEndian(channel) + [2, 3, 1, 4, 0x09])
        #expect(actions == [.send(report: expected)])
        #expect(!harness.device.isBusy)
        // The old message's continuation is now noise; a fresh PING works.
        #expect(harness.feed(continuationReport(channel, sequence: 0, [1])).isEmpty)
        #expect(harness.feed(initReport(channel, 0x01, length: 2, [7, 7])) == [
            .send(report: initReport(channel, 0x01, length: 2, [7, 7])),
        ])
    }

    @Test func initOnBroadcastIsAnsweredWhileAnotherChannelIsMidMessageAndLeavesItAlone() {
        var harness = DeviceHarness()
        let busy = harness.open()
        let payload = seededBytes(100, seed: 3)
        let ping = [
            initReport(busy, 0x01, length: 100, Array(payload[0..<57])),
            continuationReport(busy, sequence: 0, Array(payload[57...])),
        ]
        _ = harness.feed(ping[0])
        let newcomer = harness.open(nonce: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(newcomer != busy && harness.device.isBusy)
        #expect(sentReports(harness.feed(ping[1])) == ping)
    }

    @Test func initWithAWrongNonceLengthIsInvalidLength() {
        var harness = DeviceHarness()
        #expect(harness.feed(initReport(0xFFFF_FFFF, 0x06, length: 7, Array(testNonce.prefix(7))))
            == [.send(report: errorReport(0xFFFF_FFFF, 0x03))])
        #expect(harness.device.isAllocated(0x0100_0001) == false)
    }

    @Test func initOnAnUnallocatedChannelIsInvalidChannel() {
        var harness = DeviceHarness()
        #expect(harness.feed(initReport(0x0BAD_0BAD, 0x06, length: 8, testNonce))
            == [.send(report: errorReport(0x0BAD_0BAD, 0x0B))])
    }

    @Test func channelZeroIsInvalidChannelForAnyCommand() {
        var harness = DeviceHarness()
        _ = harness.open()
        #expect(harness.feed(initReport(0, 0x06, length: 8, testNonce)) == [.send(report: errorReport(0, 0x0B))])
        #expect(harness.feed(initReport(0, 0x01, length: 1, [1])) == [.send(report: errorReport(0, 0x0B))])
    }

    @Test func unallocatedOrBroadcastChannelIsInvalidChannelForNonInitCommands() {
        var harness = DeviceHarness()
        #expect(harness.feed(initReport(0x1234_5678, 0x01, length: 1, [1]))
            == [.send(report: errorReport(0x1234_5678, 0x0B))])
        #expect(harness.feed(initReport(0xFFFF_FFFF, 0x01, length: 1, [1]))
            == [.send(report: errorReport(0xFFFF_FFFF, 0x0B))])
    }

    @Test func reportsThatAreNot64BytesAreIgnored() {
        var harness = DeviceHarness()
        let init64 = initReport(0xFFFF_FFFF, 0x06, length: 8, testNonce)
        #expect(harness.feed(Array(init64.prefix(63))).isEmpty)
        #expect(harness.feed(init64 + [0]).isEmpty)
        #expect(harness.feed([UInt8]()).isEmpty)
        #expect(!harness.device.isAllocated(0x0100_0001))
    }
}
