import CofferFirmware
import CofferTestSupport
import Testing

@testable import CofferEmulator

@Suite struct FuseFileTests {
    let directory = TemporaryDirectory()
    var path: String { directory.file(FuseFile.fileName) }
    let contents = FuseContents(uds: (0..<32).map { UInt8($0) }, serial: 0x0123_4567_89AB_CDEF)

    @Test func absentFileReadsAsBlankFuses() throws {
        let fuses = try FuseFile(path: path, powerCut: PowerCut())
        #expect(try fuses.read() == nil)
    }

    @Test func burnedContentsReadBackAndPersistAcrossReopen() throws {
        let fuses = try FuseFile(path: path, powerCut: PowerCut())
        try fuses.burn(contents)
        #expect(try fuses.read() == contents)
        #expect(try FuseFile(path: path, powerCut: PowerCut()).read() == contents)
        #expect(try directory.bytes(FuseFile.fileName).count == FuseFile.size)
    }

    @Test func secondBurnIsRefusedAndLeavesTheFileAlone() throws {
        try FuseFile(path: path, powerCut: PowerCut()).burn(contents)
        let other = FuseContents(uds: [UInt8](repeating: 7, count: 32), serial: 1)
        #expect(throws: HALError.alreadyBurned) { try FuseFile(path: path, powerCut: PowerCut()).burn(other) }
        #expect(try FuseFile(path: path, powerCut: PowerCut()).read() == contents)
    }

    @Test func powerCutBeforeBurnLeavesTheFusesBlank() throws {
        let fuses = try FuseFile(path: path, powerCut: PowerCut(cutAt: 1, effect: .failWrites))
        #expect(throws: HALError.ioFailure) { try fuses.burn(contents) }
        #expect(try FuseFile(path: path, powerCut: PowerCut()).read() == nil)
    }

    @Test func truncatedFileIsRefusedNamingTheFile() throws {
        try FuseFile(path: path, powerCut: PowerCut()).burn(contents)
        try directory.write(FuseFile.fileName, Array(try directory.bytes(FuseFile.fileName).prefix(40)))
        let error = try #require(throws: StateFileError.self) { try FuseFile(path: path, powerCut: PowerCut()) }
        #expect(error.path == path)
        #expect(error.problem == .wrongSize(actual: 40, expected: "56"))
        #expect(error.description.contains(path))
    }

    @Test func foreignFileIsRefusedForBadMagic() throws {
        try directory.write(FuseFile.fileName, [UInt8](repeating: 0xFF, count: FuseFile.size))
        let error = try #require(throws: StateFileError.self) { try FuseFile(path: path, powerCut: PowerCut()) }
        #expect(error == StateFileError(path: path, problem: .badMagic))
    }

    @Test(arguments: [12, 43, 44, 51, 52])
    func flippedBitIsRefusedForBadChecksum(offset: Int) throws {
        try FuseFile(path: path, powerCut: PowerCut()).burn(contents)
        try directory.flipBit(FuseFile.fileName, at: offset)
        let error = try #require(throws: StateFileError.self) { try FuseFile(path: path, powerCut: PowerCut()) }
        #expect(error == StateFileError(path: path, problem: .badChecksum))
    }

    @Test func unknownVersionIsRefused() throws {
        try FuseFile(path: path, powerCut: PowerCut()).burn(contents)
        try directory.flipBit(FuseFile.fileName, at: 9)
        let error = try #require(throws: StateFileError.self) { try FuseFile(path: path, powerCut: PowerCut()) }
        #expect(error.problem == .unsupportedVersion(0x0101))
    }

    @Test func errorMessagesNeverCarryTheSecret() throws {
        try FuseFile(path: path, powerCut: PowerCut()).burn(contents)
        try directory.flipBit(FuseFile.fileName, at: 52)
        let error = try #require(throws: StateFileError.self) { try FuseFile(path: path, powerCut: PowerCut()) }
        let hex = contents.uds.map { String($0, radix: 16) }.joined()
        #expect(!error.description.contains(hex))
    }
}
