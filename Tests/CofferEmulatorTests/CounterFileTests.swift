import CofferFirmware
import CofferTestSupport
import Testing

@testable import CofferEmulator

@Suite struct CounterFileTests {
    let directory = TemporaryDirectory()
    var path: String { directory.file(CounterFile.fileName) }

    func makeBank(count: Int = 4) throws -> CounterFile {
        try CounterFile.create(path: path, count: count, powerCut: PowerCut())
        return try CounterFile(path: path, powerCut: PowerCut())
    }

    func openError() throws -> StateFileError {
        try #require(throws: StateFileError.self) { try CounterFile(path: path, powerCut: PowerCut()) }
    }

    @Test func newBankHoldsZeros() throws {
        let bank = try makeBank(count: 5)
        #expect(bank.count == 5)
        #expect(try (0..<5).map { try bank.read($0) } == [0, 0, 0, 0, 0])
    }

    @Test func incrementsReturnTheNewValueAndPersistAcrossReopen() throws {
        let bank = try makeBank()
        #expect(try bank.increment(2) == 1)
        #expect(try bank.increment(2) == 2)
        #expect(try bank.increment(0) == 1)
        let reopened = try CounterFile(path: path, powerCut: PowerCut())
        #expect(try (0..<4).map { try reopened.read($0) } == [1, 0, 2, 0])
    }

    @Test func indexOutsideTheBankIsRefused() throws {
        let bank = try makeBank()
        #expect(throws: HALError.outOfRange) { try bank.read(4) }
        #expect(throws: HALError.outOfRange) { try bank.increment(-1) }
    }

    @Test func counterAtMaximumIsExhaustedNotWrapped() throws {
        let page = CounterPage(sequence: 9, values: [UInt32.max, 3])
        try directory.write(CounterFile.fileName, page.encoded() + page.encoded().map { _ in 0 })
        let bank = try CounterFile(path: path, powerCut: PowerCut())
        #expect(throws: HALError.counterExhausted) { try bank.increment(0) }
        #expect(try bank.read(0) == UInt32.max)
    }

    @Test func creatingOverAnExistingBankIsRefused() throws {
        let bank = try makeBank()
        _ = try bank.increment(1)
        let error = try #require(throws: StateFileError.self) {
            try CounterFile.create(path: path, count: 4, powerCut: PowerCut())
        }
        #expect(error == StateFileError(path: path, problem: .alreadyExists))
        #expect(try CounterFile(path: path, powerCut: PowerCut()).read(1) == 1)
    }

    @Test func missingFileIsRefusedAsMissing() throws {
        #expect(try openError() == StateFileError(path: path, problem: .missing))
    }

    @Test func fileOfImpossibleSizeIsRefused() throws {
        _ = try makeBank()
        try directory.write(CounterFile.fileName, Array(try directory.bytes(CounterFile.fileName).dropLast(3)))
        guard case .wrongSize(let actual, _) = try openError().problem else {
            Issue.record("expected wrongSize")
            return
        }
        #expect(actual == 2 * CounterPage.byteCount(counters: 4) - 3)
    }

    @Test func foreignFileIsRefusedForBadMagic() throws {
        try directory.write(CounterFile.fileName, [UInt8](repeating: 0xFF, count: 64))
        #expect(try openError() == StateFileError(path: path, problem: .badMagic))
    }

    @Test func oneCorruptPageFallsBackToTheOther() throws {
        let bank = try makeBank()
        _ = try bank.increment(3)
        // The increment went to page 1 (the older one at creation); corrupt page 0.
        try directory.flipBit(CounterFile.fileName, at: 30)
        #expect(try CounterFile(path: path, powerCut: PowerCut()).read(3) == 1)
    }

    @Test func bothPagesCorruptIsRefusedNamingBoth() throws {
        _ = try makeBank()
        let pageSize = CounterPage.byteCount(counters: 4)
        try directory.flipBit(CounterFile.fileName, at: 30)
        try directory.flipBit(CounterFile.fileName, at: pageSize)
        let error = try openError()
        #expect(error.problem == .bothCounterPagesInvalid(page0: "bad checksum", page1: "bad magic"))
        #expect(error.description.contains(path))
    }

    @Test func pagesWithEqualSequenceAreRefused() throws {
        let page = CounterPage(sequence: 4, values: [1, 2])
        try directory.write(CounterFile.fileName, page.encoded() + page.encoded())
        #expect(try openError().problem == .inconsistentCounterPages("both pages have sequence 4"))
    }

    @Test func newerPageWithALowerCounterIsRefused() throws {
        let older = CounterPage(sequence: 4, values: [1, 2])
        let newer = CounterPage(sequence: 5, values: [2, 1])
        try directory.write(CounterFile.fileName, older.encoded() + newer.encoded())
        #expect(try openError().problem == .inconsistentCounterPages("counter 1 is lower in the newer page"))
    }

    @Test func powerCutAtAnIncrementKeepsTheLastDurableValue() throws {
        try CounterFile.create(path: path, count: 2, powerCut: PowerCut())
        let bank = try CounterFile(path: path, powerCut: PowerCut(cutAt: 3, effect: .failWrites))
        #expect(try bank.increment(0) == 1)
        #expect(try bank.increment(0) == 2)
        #expect(throws: HALError.ioFailure) { try bank.increment(0) }
        #expect(throws: HALError.ioFailure) { try bank.increment(1) }
        let reopened = try CounterFile(path: path, powerCut: PowerCut())
        #expect(try [reopened.read(0), reopened.read(1)] == [2, 0])
    }

    /// Tears the next increment's page write after every possible byte count: the bank must open,
    /// hold the old value or (only if the write was effectively whole) the new one, and go on rising.
    @Test(arguments: [0, 1, 2, 5])
    func tornPageWriteNeverLowersACounter(incrementsBefore: Int) throws {
        let bank = try makeBank(count: 3)
        for _ in 0..<incrementsBefore { _ = try bank.increment(1) }
        let before = try directory.bytes(CounterFile.fileName)
        _ = try bank.increment(1)
        let after = try directory.bytes(CounterFile.fileName)
        let old = UInt32(incrementsBefore)
        for torn in 0...after.count {
            try directory.write(CounterFile.fileName, (0..<after.count).map { $0 < torn ? after[$0] : before[$0] })
            let reopened = try CounterFile(path: path, powerCut: PowerCut())
            let value = try reopened.read(1)
            #expect(value == old || (value == old + 1 && torn >= changedExtent(before, after)))
            #expect(try reopened.increment(1) == value + 1)
            #expect(try CounterFile(path: path, powerCut: PowerCut()).read(1) == value + 1)
        }
    }

    /// One past the last byte that differs between two files.
    func changedExtent(_ before: [UInt8], _ after: [UInt8]) -> Int {
        (before.indices.last { before[$0] != after[$0] } ?? -1) + 1
    }
}
