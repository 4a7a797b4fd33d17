@testable import CTAPHID
import Testing

@Suite struct HostTests {
    let channel: UInt32 = 0x0102_0304
    var cid: CTAPHIDChannelID { CTAPHIDChannelID(rawValue: channel) }

    @Test func theInitRequestIsOneBroadcastReportCarryingTheNonce() {
        let opening = CTAPHIDChannelOpening(nonce: testNonce)
        #expect(opening.requestReport == initReport(0xFFFF_FFFF, 0x06, length: 8, testNonce))
    }

    @Test func theInitResponseYieldsChannelVersionAndCapabilities() throws {
        var opening = CTAPHIDChannelOpening(nonce: testNonce)
        let report = initReport(0xFFFF_FFFF, 0x06, length: 17, testNonce + [0xCA, 0xFE, 0, 1, 2, 5, 6, 7, 0x09])
        let response = try #require(try opening.receive(report: report))
        #expect(response.channel == 0xCAFE_0001)
        #expect(response.protocolVersion == 2)
        #expect(response.deviceVersion == CTAPHIDDeviceVersion(major: 5, minor: 6, build: 7))
        #expect(response.capabilities == [.wink, .noMessage])
    }

    @Test func anInitResponseForAnotherNonceIsRefused() {
        var opening = CTAPHIDChannelOpening(nonce: testNonce)
        var otherNonce = testNonce
        otherNonce[7] ^= 1
        let report = initReport(0xFFFF_FFFF, 0x06, length: 17, otherNonce + [0xCA, 0xFE, 0, 1, 2, 5, 6, 7, 0x09])
        #expect(throws: CTAPHIDHostError.nonceMismatch) { try opening.receive(report: report) }
    }

    @Test func anInitResponseNamingChannelZeroOrBroadcastOrTooShortIsRefused() {
        for tail: [UInt8] in [[0, 0, 0, 0, 2, 1, 1, 1, 0], [0xFF, 0xFF, 0xFF, 0xFF, 2, 1, 1, 1, 0]] {
            var opening = CTAPHIDChannelOpening(nonce: testNonce)
            #expect(throws: CTAPHIDHostError.malformedInitResponse) {
                try opening.receive(report: initReport(0xFFFF_FFFF, 0x06, length: 17, testNonce + tail))
            }
        }
        var opening = CTAPHIDChannelOpening(nonce: testNonce)
        #expect(throws: CTAPHIDHostError.malformedInitResponse) {
            try opening.receive(report: initReport(0xFFFF_FFFF, 0x06, length: 16, testNonce + [1, 2, 3, 4, 2, 1, 1, 1]))
        }
    }

    @Test func aResyncResponseMustKeepTheChannel() throws {
        var opening = CTAPHIDChannelOpening(nonce: testNonce, channel: cid)
        #expect(opening.requestReport == initReport(channel, 0x06, length: 8, testNonce))
        #expect(throws: CTAPHIDHostError.malformedInitResponse) {
            try opening.receive(report: initReport(channel, 0x06, length: 17, testNonce + [0, 0, 0, 9, 2, 1, 1, 1, 0]))
        }
        var again = CTAPHIDChannelOpening(nonce: testNonce, channel: cid)
        let response = try again.receive(report: initReport(channel, 0x06, length: 17,
                                                            testNonce + bigEndian(channel) + [2, 1, 1, 1, 0]))
        #expect(response?.channel == cid)
    }

    @Test func keepalivesAreReportedAndSkippedBeforeTheResponse() throws {
        var exchange = try CTAPHIDHostTransaction(channel: cid, command: .ping, payload: [1, 2])
        #expect(try exchange.receive(report: initReport(channel, 0x3B, length: 1, [1])) == .keepalive(.processing))
        #expect(try exchange.receive(report: initReport(channel, 0x3B, length: 1, [2]))
            == .keepalive(.userPresenceNeeded))
        #expect(try exchange.receive(report: initReport(channel, 0x01, length: 2, [1, 2])) == .response([1, 2]))
        #expect(exchange.isFinished)
    }

    @Test func aDeviceErrorSurfacesAsItsCode() throws {
        for code: UInt8 in [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0B, 0x7F, 0x33] {
            var exchange = try CTAPHIDHostTransaction(channel: cid, command: .ping, payload: [])
            #expect(throws: CTAPHIDHostError.device(CTAPHIDErrorCode(rawValue: code))) {
                try exchange.receive(report: errorReport(channel, code))
            }
            #expect(exchange.isFinished)
        }
    }

    @Test func aReportOnAnotherChannelIsRefused() throws {
        var exchange = try CTAPHIDHostTransaction(channel: cid, command: .ping, payload: [])
        #expect(throws: CTAPHIDHostError.wrongChannel(0x0102_0305)) {
            try exchange.receive(report: initReport(0x0102_0305, 0x01, length: 0))
        }
    }

    @Test func anOutOfSequenceContinuationIsRefused() throws {
        var exchange = try CTAPHIDHostTransaction(channel: cid, command: .ping, payload: [])
        #expect(try exchange.receive(report: initReport(channel, 0x01, length: 200)) == nil)
        #expect(try exchange.receive(report: continuationReport(channel, sequence: 0)) == nil)
        #expect(throws: CTAPHIDHostError.outOfSequence(expected: 1, received: 2)) {
            try exchange.receive(report: continuationReport(channel, sequence: 2))
        }
    }

    @Test func anOversizeResponseLengthIsRefused() throws {
        var exchange = try CTAPHIDHostTransaction(channel: cid, command: .ping, payload: [])
        #expect(throws: CTAPHIDHostError.responseTooLong(length: 7610)) {
            try exchange.receive(report: initReport(channel, 0x01, length: 7610))
        }
    }

    @Test func aResponseToAnotherCommandIsRefused() throws {
        var exchange = try CTAPHIDHostTransaction(channel: cid, command: .ping, payload: [])
        #expect(throws: CTAPHIDHostError.unexpectedCommand(.wink)) {
            try exchange.receive(report: initReport(channel, 0x08, length: 0))
        }
    }

    @Test func aContinuationFirstOrAnInitMidResponseIsRefused() throws {
        var first = try CTAPHIDHostTransaction(channel: cid, command: .ping, payload: [])
        #expect(throws: CTAPHIDHostError.unexpectedContinuation) {
            try first.receive(report: continuationReport(channel, sequence: 0))
        }
        var second = try CTAPHIDHostTransaction(channel: cid, command: .ping, payload: [])
        _ = try second.receive(report: initReport(channel, 0x01, length: 100))
        #expect(throws: CTAPHIDHostError.unexpectedInitialization) {
            try second.receive(report: initReport(channel, 0x3B, length: 1, [1]))
        }
    }

    @Test func aReportThatIsNot64BytesIsRefused() throws {
        var exchange = try CTAPHIDHostTransaction(channel: cid, command: .ping, payload: [])
        #expect(throws: CTAPHIDHostError.malformedReport(length: 63)) {
            try exchange.receive(report: Array(initReport(channel, 0x01, length: 0).prefix(63)))
        }
    }

    @Test func aRequestOverTheMaximumIsRefused() {
        #expect(throws: CTAPHIDHostError.requestTooLong(length: 7610)) {
            try CTAPHIDHostTransaction(channel: cid, command: .ping, payload: [UInt8](repeating: 1, count: 7610))
        }
    }
}
