import CofferFirmware
import CofferProtocol
import CofferTestSupport
import Testing

@testable import CofferEmulator

/// The suite burned into the fuses file (bytes 10..<12, once a reserved zero field).
@Suite struct SuiteFuseFileTests {
    let directory = TemporaryDirectory()
    var path: String { directory.file(FuseFile.fileName) }

    private func contents(_ suite: VaultSuite) -> FuseContents {
        FuseContents(uds: (0..<32).map { UInt8($0) }, serial: 5, suite: suite)
    }

    /// Rewrites the suite field and the checksum after it, as a file written by another build would be.
    private func rewriteSuiteField(_ value: UInt16) throws {
        var bytes = try directory.bytes(FuseFile.fileName)
        bytes[10] = UInt8(value & 0xFF)
        bytes[11] = UInt8(value >> 8)
        let checksum = CRC32.checksum(Array(bytes[0..<52]))
        bytes.replaceSubrange(52..<56, with: (0..<4).map { UInt8(truncatingIfNeeded: checksum >> (8 * $0)) })
        try directory.write(FuseFile.fileName, bytes)
    }

    @Test("the suite is burned and read back", arguments: VaultSuite.known)
    func suiteRoundTrips(suite: VaultSuite) throws {
        try FuseFile(path: path, powerCut: PowerCut()).burn(contents(suite))
        let reopened = try FuseFile(path: path, powerCut: PowerCut())
        #expect(reopened.suite == suite)
        #expect(try reopened.read() == contents(suite))
        #expect(try directory.bytes(FuseFile.fileName)[10] == suite.rawValue)
    }

    @Test("fuses burned before the field existed (zero) read as P256-SHA256, the only suite then")
    func zeroFieldIsP256() throws {
        try FuseFile(path: path, powerCut: PowerCut()).burn(contents(.ristretto255SHA512))
        try rewriteSuiteField(0)
        #expect(try FuseFile(path: path, powerCut: PowerCut()).suite == .p256SHA256)
    }

    @Test("a suite this emulator does not know is refused, not guessed", arguments: [UInt16(3), 0x0102])
    func unknownSuiteIsRefused(value: UInt16) throws {
        try FuseFile(path: path, powerCut: PowerCut()).burn(contents(.p256SHA256))
        try rewriteSuiteField(value)
        let error = try #require(throws: StateFileError.self) { try FuseFile(path: path, powerCut: PowerCut()) }
        #expect(error.description.contains("suite field \(value)"))
    }
}
