import CofferProtocol
import Testing

private let info = GetInfoResponse(
    protocolVersion: 1, firmwareVersion: FirmwareVersion(major: 0, minor: 1, patch: 2), serial: 77,
    lifecycle: .operational, slotCount: 256, recordCount: 3, tombstoneCount: 1, damagedCount: 0,
    defaultAttemptLimit: 10, maxAttemptLimit: 20, akePublicKey: [UInt8](repeating: 2, count: 33),
    identityPublicKey: [UInt8](repeating: 3, count: 33), identitySignature: [UInt8](repeating: 4, count: 64),
    suite: .p256SHA256)

@Test func getInfoRoundTrips() throws {
    #expect(try GetInfoResponse(decoding: info.encoded()) == info)
}

@Test func getInfoWithUnknownLifecycleIsRefused() {
    var bytes = info.encoded()
    bytes[12] = 9  // lifecycle byte: version 1 + firmware 3 + serial 8
    #expect(throws: ProtocolError.invalidValue) { try GetInfoResponse(decoding: bytes) }
}

@Test func countersRoundTrip() throws {
    let page = CountersResponse(
        lifecycleCounter: 2, bootCounter: 3, sealSequence: 9, slotCount: 256, firstSlot: 4,
        slots: [SlotCounters(version: 1, attempts: 0), SlotCounters(version: 7, attempts: 12)])
    #expect(try CountersResponse(decoding: page.encoded()) == page)
    #expect(throws: ProtocolError.truncated) { try CountersResponse(decoding: Array(page.encoded().dropLast())) }
}

@Test func countersPageOverItsLimitIsRefused() {
    var writer = ByteWriter()
    writer.write(UInt32(0))
    writer.write(UInt32(0))
    writer.write(UInt32(0))
    writer.write(UInt16(1000))
    writer.write(UInt16(0))
    writer.write(UInt16(VaultLimits.countersPerPage + 1))
    #expect(throws: ProtocolError.lengthOutOfRange) { try CountersResponse(decoding: writer.bytes) }
}

@Test func loginRepliesRoundTrip() throws {
    let start = LoginStartResponse(ke2: [UInt8](repeating: 1, count: 259), attemptsRemaining: 9)
    #expect(try LoginStartResponse(decoding: start.encoded()) == start)
    let tag = [UInt8](repeating: 0x7A, count: SessionBinding.tagLength)
    let recovered = LoginFinishResponse(sealedKey: [UInt8](repeating: 8, count: 48), binding: tag)
    #expect(try LoginFinishResponse(decoding: recovered.encoded()) == recovered)
    let done = LoginFinishResponse(binding: tag)
    #expect(try LoginFinishResponse(decoding: done.encoded()) == done)
    #expect(throws: ProtocolError.truncated) { try LoginFinishResponse(decoding: Array(done.encoded().dropLast())) }
}

@Test func sealedKeyOfAnotherLengthIsRefused() {
    #expect(throws: ProtocolError.lengthOutOfRange) { try LoginFinishResponse(decoding: [3, 1, 2, 3]) }
}

@Test func registerRepliesRoundTrip() throws {
    let start = RegisterStartResponse(
        registrationResponse: [UInt8](repeating: 1, count: 66), attemptLimit: 7,
        signature: [UInt8](repeating: 9, count: 64))
    #expect(try RegisterStartResponse(decoding: start.encoded()) == start)
    #expect(try RegisterFinishResponse(decoding: [10]) == RegisterFinishResponse(attemptLimit: 10))
    #expect(throws: ProtocolError.truncated) { try RegisterStartResponse(decoding: [0]) }
}

@Test func replyCarriesABodyOnlyWhenOK() throws {
    let ok = VaultReply(status: .ok, body: [1, 2])
    #expect(try VaultReply(decoding: ok.encoded()) == ok)
    #expect(try VaultReply(decoding: [0x09]) == VaultReply(status: .recordDestroyed))
    #expect(throws: ProtocolError.trailingBytes) { try VaultReply(decoding: [0x09, 0]) }
    #expect(throws: ProtocolError.invalidValue) { try VaultReply(decoding: [0xEE]) }
    #expect(throws: ProtocolError.truncated) { try VaultReply(decoding: []) }
}

@Test func identityStatementIsLabelSerialKindAndKey() {
    let message = IdentityStatement.message(serial: 0x0102, deviceKind: .seeded, akePublicKey: [0xAB])
    #expect(message == Array("coffer/v2/device-identity".utf8) + [0, 0, 0, 0, 0, 0, 1, 2, 2, 0xAB])
}
