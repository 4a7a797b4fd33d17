@testable import CTAPHID
import Testing

@Suite struct PacketEncodingTests {
    @Test func initPacketIsCIDThenFlaggedCommandThenBigEndianLength() {
        let packet = CTAPHIDInitializationPacket(
            channel: 0x1234_5678, command: CTAPHIDCommand(rawValue: 0x41), messageLength: 0x0102, data: [0xAA, 0xBB]
        )
        let expected: [UInt8] = [0x12, 0x34, 0x56, 0x78, 0xC1, 0x01, 0x02, 0xAA, 0xBB]
            + [UInt8](repeating: 0, count: 55)
        #expect(packet.report == expected)
    }

    @Test func continuationPacketIsCIDThenSequenceThenData() {
        let packet = CTAPHIDContinuationPacket(channel: 0xCAFE_F00D, sequence: 0x7F, data: [1, 2, 3])
        let expected: [UInt8] = [0xCA, 0xFE, 0xF0, 0x0D, 0x7F, 1, 2, 3] + [UInt8](repeating: 0, count: 56)
        #expect(packet.report == expected)
    }

    @Test func decodingSplitsOnTheTopBitOfByteFour() throws {
        let initial = try #require(CTAPHIDPacket(report: initReport(0x0102_0304, 0x01, length: 300, [9, 8])))
        guard case .initialization(let first) = initial else { Issue.record("not an init packet"); return }
        #expect(first.channel == 0x0102_0304)
        #expect(first.command == .ping)
        #expect(first.messageLength == 300)
        #expect(first.data.count == 57 && first.data.prefix(2) == [9, 8])

        let next = try #require(CTAPHIDPacket(report: continuationReport(0x0102_0304, sequence: 5, [7])))
        guard case .continuation(let continuation) = next else { Issue.record("not a continuation"); return }
        #expect(continuation.sequence == 5)
        #expect(continuation.data.count == 59 && continuation.data[0] == 7)
    }

    @Test func decodingRefusesReportsThatAreNot64Bytes() {
        #expect(CTAPHIDPacket(report: []) == nil)
        #expect(CTAPHIDPacket(report: [UInt8](repeating: 0, count: 63)) == nil)
        #expect(CTAPHIDPacket(report: [UInt8](repeating: 0, count: 65)) == nil)
        #expect(CTAPHIDPacket(report: [UInt8](repeating: 0, count: 64)) != nil)
    }

    @Test func fragmentationFillsInitThenContinuationsInSequence() throws {
        let payload = (0..<120).map { UInt8($0) }
        let reports = try CTAPHIDMessageEncoder.reports(channel: 0x0000_0007, command: .ping, payload: payload)
        #expect(reports == [
            initReport(7, 0x01, length: 120, Array(payload[0..<57])),
            continuationReport(7, sequence: 0, Array(payload[57..<116])),
            continuationReport(7, sequence: 1, Array(payload[116..<120])),
        ])
    }

    @Test func anEmptyMessageIsOneInitPacket() throws {
        let reports = try CTAPHIDMessageEncoder.reports(channel: 9, command: .wink, payload: [])
        #expect(reports == [initReport(9, 0x08, length: 0)])
    }

    @Test func theLargestMessageUsesSequence0x7FLast() throws {
        let reports = try CTAPHIDMessageEncoder.reports(
            channel: 1, command: .ping, payload: [UInt8](repeating: 0x5A, count: 7609)
        )
        #expect(reports.count == 129)
        #expect(reports.last?[4] == 0x7F)
        #expect(reports.last?[5...].allSatisfy { $0 == 0x5A } == true)
    }

    @Test func fragmentationRefusesAMessageOverTheMaximum() {
        #expect(throws: CTAPHIDFramingError.messageTooLong(length: 7610)) {
            try CTAPHIDMessageEncoder.reports(channel: 1, command: .ping, payload: [UInt8](repeating: 0, count: 7610))
        }
    }

    @Test func errorAndKeepaliveReportsAreOneByteMessages() {
        #expect(CTAPHIDMessageEncoder.errorReport(channel: 0x0A0B_0C0D, code: .channelBusy)
            == padded([0x0A, 0x0B, 0x0C, 0x0D, 0xBF, 0x00, 0x01, 0x06]))
        #expect(CTAPHIDMessageEncoder.keepaliveReport(channel: 0x0A0B_0C0D, status: .userPresenceNeeded)
            == padded([0x0A, 0x0B, 0x0C, 0x0D, 0xBB, 0x00, 0x01, 0x02]))
    }

    @Test func initResponsePayloadIsNonceCIDVersionsCapabilities() throws {
        let response = CTAPHIDInitResponse(
            nonce: testNonce, channel: 0x0100_0001, deviceVersion: testVersion, capabilities: [.wink, .noMessage]
        )
        #expect(response.payload == testNonce + [0x01, 0x00, 0x00, 0x01, 0x02, 3, 1, 4, 0x09])
        #expect(CTAPHIDInitResponse(payload: response.payload) == response)
        #expect(CTAPHIDInitResponse(payload: Array(response.payload.dropLast())) == nil)
    }
}
