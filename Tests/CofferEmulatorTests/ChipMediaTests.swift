import CofferFirmware
import CofferTestSupport
import Foundation
import Testing

@testable import CofferEmulator

@Suite struct ChipMediaTests {
    let parent = TemporaryDirectory()
    var directory: StateDirectory { StateDirectory(path: parent.file("state")) }
    let fuses = FuseContents(uds: [UInt8](repeating: 0xA5, count: 32), serial: 42)

    /// A toy layout: one 32-byte flash page per counter.
    static func flashGeometry(_ counters: Int) -> FlashGeometry? {
        counters >= 2 ? FlashGeometry(pageSize: 32, pageCount: counters) : nil
    }

    func open(newCounterCount: Int? = 4) throws -> ChipMedia {
        try openReleased { try openOnce(newCounterCount: newCounterCount) }
    }

    func openOnce(newCounterCount: Int?) throws -> ChipMedia {
        try ChipMedia(
            directory: directory,
            newCounterCount: newCounterCount,
            flashGeometry: Self.flashGeometry,
            powerCut: PowerCut()
        )
    }

    func openError(newCounterCount: Int? = 4) throws -> StateFileError {
        try #require(throws: StateFileError.self) { _ = try openOnce(newCounterCount: newCounterCount) }
    }

    @Test func newChipGetsCountersAndFlashOfTheMatchingSizeAndBlankFuses() throws {
        let media = try open()
        #expect(media.created == [directory.countersPath, directory.flashPath])
        #expect(media.counters.count == 4 && media.flash.pageCount == 4 && media.fuses.isBlank)
        media.releaseLock()
        #expect(try open().created.isEmpty)
    }

    @Test func secondOpenWhileTheFirstHoldsTheLockIsRefused() throws {
        let first = try open()
        #expect(try openError().problem == .locked(holder: "pid \(getpid())"))
        first.releaseLock()
    }

    @Test func withoutLeaveToCreateAMissingStateIsRefused() throws {
        #expect(try openError(newCounterCount: nil) == StateFileError(path: directory.path, problem: .missing))
    }

    @Test func missingFlashOfABlankChipIsCreatedToTheCountersSize() throws {
        try open(newCounterCount: 6).releaseLock()
        try parent.remove("state/flash.img")
        let media = try open(newCounterCount: 4)
        #expect(media.created == [directory.flashPath])
        #expect(media.flash.pageCount == 6)
    }

    @Test(arguments: ["counters", "flash.img"])
    func missingFileOfABurnedChipIsRefusedNotRecreated(name: String) throws {
        let media = try open()
        try media.fuses.burn(fuses)
        media.releaseLock()
        try parent.remove("state/" + name)
        #expect(try openError() == StateFileError(path: directory.file(name), problem: .missing))
        #expect(!DurableDirectory.exists(directory.file(name)))
    }

    @Test func corruptCountersAreRefusedAndLeftAsTheyWere() throws {
        try open().releaseLock()
        let corrupt = [UInt8](repeating: 0x00, count: 10)
        try parent.write("state/counters", corrupt)
        #expect(try openError().path == directory.countersPath)
        #expect(try parent.bytes("state/counters") == corrupt)
    }

    @Test func counterBankOfASizeNoLayoutKnowsIsRefused() throws {
        let error = try openError(newCounterCount: 1)
        #expect(error.path == directory.countersPath)
        #expect(error.problem == .malformed("1 counters fit no chip layout of this firmware"))
    }
}
