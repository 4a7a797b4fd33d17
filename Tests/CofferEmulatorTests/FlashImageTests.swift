import CofferFirmware
import CofferTestSupport
import Foundation
import Testing

@testable import CofferEmulator

@Suite struct FlashImageTests {
    let directory = TemporaryDirectory()
    var path: String { directory.file(FlashImage.fileName) }
    let geometry = FlashGeometry(pageSize: 64, pageCount: 4)

    func makeFlash(_ powerCut: PowerCut = PowerCut()) throws -> FlashImage {
        try FlashImage.create(path: path, geometry: geometry, powerCut: PowerCut())
        return try FlashImage(path: path, geometry: geometry, powerCut: powerCut)
    }

    @Test func newImageIsErasedAndExactlyTheGeometrysSize() throws {
        let flash = try makeFlash()
        #expect(try flash.read(offset: 0, count: 256) == [UInt8](repeating: 0xFF, count: 256))
        #expect(try directory.bytes(FlashImage.fileName).count == 256)
        #expect(flash.pageSize == 64 && flash.pageCount == 4)
    }

    @Test func programmedBytesReadBackAndPersistAcrossReopen() throws {
        try makeFlash().program(offset: 70, bytes: [1, 2, 3])
        let reopened = try FlashImage(path: path, geometry: geometry, powerCut: PowerCut())
        #expect(try reopened.read(offset: 69, count: 5) == [0xFF, 1, 2, 3, 0xFF])
    }

    @Test func programOverUnerasedBytesIsRefused() throws {
        let flash = try makeFlash()
        try flash.program(offset: 10, bytes: [0x0F])
        #expect(throws: HALError.notErased) { try flash.program(offset: 8, bytes: [0, 0, 0]) }
        #expect(try flash.read(offset: 8, count: 3) == [0xFF, 0xFF, 0x0F])
    }

    @Test func eraseSetsOnlyItsPageToFF() throws {
        let flash = try makeFlash()
        try flash.program(offset: 60, bytes: [0, 0, 0, 0, 0, 0, 0, 0])
        try flash.erase(page: 1)
        #expect(try flash.read(offset: 60, count: 8) == [0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF])
        try flash.program(offset: 64, bytes: [9])
    }

    @Test func accessOutsideTheGeometryIsRefused() throws {
        let flash = try makeFlash()
        #expect(throws: HALError.outOfRange) { try flash.read(offset: 250, count: 7) }
        #expect(throws: HALError.outOfRange) { try flash.read(offset: -1, count: 1) }
        #expect(throws: HALError.outOfRange) { try flash.program(offset: 256, bytes: [0]) }
        #expect(throws: HALError.outOfRange) { try flash.erase(page: 4) }
    }

    @Test func imageOfTheWrongSizeIsRefusedNamingFileAndGeometry() throws {
        _ = try makeFlash()
        try directory.write(FlashImage.fileName, [UInt8](repeating: 0xFF, count: 200))
        let error = try #require(throws: StateFileError.self) {
            try FlashImage(path: path, geometry: geometry, powerCut: PowerCut())
        }
        #expect(error.problem == .wrongSize(actual: 200, expected: "256 bytes (4 pages of 64 bytes)"))
        #expect(error.description.hasPrefix(path + ": wrong size: 200 bytes"))
    }

    @Test func missingImageIsRefusedAsMissing() throws {
        let error = try #require(throws: StateFileError.self) {
            try FlashImage(path: path, geometry: geometry, powerCut: PowerCut())
        }
        #expect(error == StateFileError(path: path, problem: .missing))
    }

    @Test func powerCutLeavesTheWritesBeforeItAndNotTheOneAtIt() throws {
        let flash = try makeFlash(PowerCut(cutAt: 2, effect: .failWrites))
        try flash.program(offset: 0, bytes: [1])
        #expect(throws: HALError.ioFailure) { try flash.program(offset: 1, bytes: [2]) }
        #expect(throws: HALError.ioFailure) { try flash.erase(page: 0) }
        let reopened = try FlashImage(path: path, geometry: geometry, powerCut: PowerCut())
        #expect(try reopened.read(offset: 0, count: 2) == [1, 0xFF])
    }
}

@Suite struct PowerCutTests {
    let directory = TemporaryDirectory()

    @Test func writesAreNumberedAcrossAllStateFiles() throws {
        let geometry = FlashGeometry(pageSize: 16, pageCount: 1)
        let powerCut = PowerCut(cutAt: 5, effect: .failWrites)
        try CounterFile.create(path: directory.file("counters"), count: 1, powerCut: powerCut)
        try FlashImage.create(path: directory.file("flash.img"), geometry: geometry, powerCut: powerCut)
        let counters = try CounterFile(path: directory.file("counters"), powerCut: powerCut)
        let flash = try FlashImage(path: directory.file("flash.img"), geometry: geometry, powerCut: powerCut)
        _ = try counters.increment(0)
        try flash.program(offset: 0, bytes: [0])
        #expect(powerCut.writesAdmitted == 4 && !powerCut.isCut)
        #expect(throws: HALError.ioFailure) { try counters.increment(0) }
        #expect(powerCut.isCut && powerCut.writesAdmitted == 4)
    }

    @Test func cutAtTheFirstWriteCreatesNothing() throws {
        let error = try #require(throws: StateFileError.self) {
            try CounterFile.create(
                path: directory.file("counters"), count: 1, powerCut: PowerCut(cutAt: 1, effect: .failWrites))
        }
        #expect(error.problem == .powerCut)
        #expect(!DurableDirectory.exists(directory.file("counters")))
    }
}

@Suite struct StateLockTests {
    let directory = TemporaryDirectory()

    @Test func secondLockOnTheSameDirectoryIsRefusedNamingIt() throws {
        let first = try StateLock(directory: directory.path)
        let error = try #require(throws: StateFileError.self) { try StateLock(directory: directory.path) }
        #expect(error.path == directory.path)
        #expect(error.problem == .locked(holder: "pid \(getpid())"))
        #expect(error.description.contains("in use by another coffer-emulator"))
        first.release()
        _ = try StateLock(directory: directory.path)
    }
}
