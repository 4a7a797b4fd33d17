import CofferProtocol
import Testing

private func info(suite: VaultSuite) -> GetInfoResponse {
    GetInfoResponse(
        protocolVersion: 2, firmwareVersion: FirmwareVersion(major: 0, minor: 1, patch: 0), serial: 9,
        lifecycle: .operational, slotCount: 8, recordCount: 0, tombstoneCount: 0, damagedCount: 0,
        defaultAttemptLimit: 10, maxAttemptLimit: 10, akePublicKey: [UInt8](repeating: 2, count: 32),
        identityPublicKey: [UInt8](repeating: 3, count: 33), identitySignature: [UInt8](repeating: 4, count: 64),
        suite: suite)
}

@Suite struct SuiteCodecTests {
    @Test("GetInfo's suite is its byte before the device kind and round-trips", arguments: VaultSuite.known)
    func suiteIsTheByteBeforeTheKind(suite: VaultSuite) throws {
        let bytes = info(suite: suite).encoded()
        #expect(bytes[bytes.count - 2] == suite.rawValue)
        #expect(bytes.last == DeviceKind.hardware.rawValue)
        #expect(try GetInfoResponse(decoding: bytes).suite == suite)
    }

    @Test("GetInfo's device kind is its last byte; an unknown kind is refused")
    func deviceKindIsTheLastByte() throws {
        var bytes = info(suite: .p256SHA256).encoded()
        bytes[bytes.count - 1] = DeviceKind.seeded.rawValue
        #expect(try GetInfoResponse(decoding: bytes).deviceKind == .seeded)
        bytes[bytes.count - 1] = 0x03
        #expect(throws: ProtocolError.invalidValue) { try GetInfoResponse(decoding: bytes) }
    }

    @Test("an unknown suite decodes, so a client can name it; a GetInfo without the byte is truncated")
    func unknownAndMissingSuite() throws {
        var bytes = info(suite: .p256SHA256).encoded()
        bytes[bytes.count - 2] = 0x7F
        let decoded = try GetInfoResponse(decoding: bytes)
        #expect(decoded.suite == VaultSuite(rawValue: 0x7F))
        #expect(!VaultSuite.known.contains(decoded.suite))
        #expect(throws: ProtocolError.truncated) { try GetInfoResponse(decoding: Array(bytes.dropLast())) }
        #expect(throws: ProtocolError.trailingBytes) { try GetInfoResponse(decoding: bytes + [0]) }
    }

    @Test("identifiers, names and contexts are the documented ones (docs/PROTOCOL.md, Suites)")
    func identifiers() {
        #expect(VaultSuite.p256SHA256.rawValue == 0x01)
        #expect(VaultSuite.ristretto255SHA512.rawValue == 0x02)
        #expect(VaultSuite(name: "p256-sha256") == .p256SHA256)
        #expect(VaultSuite(name: "ristretto255-sha512") == .ristretto255SHA512)
        #expect(VaultSuite(name: "P256-SHA256") == nil)
        #expect(VaultSuite(oprfIdentifier: Array("ristretto255-SHA512".utf8)) == .ristretto255SHA512)
        #expect(VaultSuite(oprfIdentifier: Array("P384-SHA384".utf8)) == nil)
        #expect(VaultSuite.p256SHA256.context == Array("coffer/v1".utf8))
        #expect(VaultSuite.ristretto255SHA512.context.isEmpty)
    }
}
