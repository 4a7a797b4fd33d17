import CofferFirmware
import CofferTestSupport
import Testing

@testable import CofferEmulator

/// The counter bank's binding to the device it belongs to (`CounterDeviceTag`), and its format
/// version: the file alone, then beside the fuses in a state directory (`ChipMedia`).
@Suite struct CounterBindingTests {
    let parent = TemporaryDirectory()
    var directory: StateDirectory { StateDirectory(path: parent.file("state")) }
    var countersPath: String { parent.file("state/counters") }
    let ours = FuseContents(uds: [UInt8](repeating: 0xA5, count: 32), serial: 42)
    let theirs = FuseContents(uds: [UInt8](repeating: 0x5A, count: 32), serial: 43)

    func open(powerCut: PowerCut = PowerCut()) throws -> ChipMedia {
        try openReleased { try openOnce(powerCut: powerCut) }
    }

    func openOnce(powerCut: PowerCut = PowerCut()) throws -> ChipMedia {
        try ChipMedia(
            directory: directory, newCounterCount: 4,
            flashGeometry: { FlashGeometry(pageSize: 32, pageCount: $0) }, powerCut: powerCut)
    }

    func openError() throws -> StateFileError {
        try #require(throws: StateFileError.self) { _ = try openOnce() }
    }

    /// A state directory whose fuses hold `fuses`, its counters bound to them and incremented once.
    func burned(_ fuses: FuseContents) throws -> [UInt8] {
        let media = try open()
        try media.fuses.burn(fuses)
        _ = try media.counters.increment(0)
        media.releaseLock()
        return try parent.bytes("state/counters")
    }

    @Test func newBankIsUnboundAndBurningTheFusesBindsItToThemFirst() throws {
        let media = try open()
        #expect(media.counters.deviceTag.isUnbound)
        try media.fuses.burn(ours)
        #expect(media.counters.deviceTag == CounterDeviceTag(fuses: ours))
        #expect(media.counters.deviceTag != CounterDeviceTag(fuses: theirs))
        media.releaseLock()
        let reopened = try open()
        #expect(reopened.counters.deviceTag == CounterDeviceTag(fuses: ours))
        #expect(try reopened.counters.read(0) == 0)
    }

    @Test func incrementsKeepTheBindingAndBindingAgainToTheSameDeviceWritesNothing() throws {
        _ = try burned(ours)
        let bank = try CounterFile(path: countersPath, powerCut: PowerCut())
        #expect(bank.deviceTag == CounterDeviceTag(fuses: ours))
        #expect(try bank.read(0) == 1)
        let before = try parent.bytes("state/counters")
        try bank.bind(to: CounterDeviceTag(fuses: ours))
        #expect(try parent.bytes("state/counters") == before)
    }

    @Test func countersOfAnotherDeviceAreRefusedNamingThemAndLeftAsTheyWere() throws {
        let foreign = try burned(theirs)
        try parent.remove("state")
        _ = try burned(ours)
        try parent.write("state/counters", foreign)
        let flash = try parent.bytes("state/flash.img")

        let error = try openError()
        #expect(error == StateFileError(path: countersPath, problem: .belongsToAnotherDevice))
        #expect(error.description.contains("\(countersPath): belongs to another device"))
        #expect(try parent.bytes("state/counters") == foreign)
        #expect(try parent.bytes("state/flash.img") == flash)
    }

    @Test func unboundCountersBesideBurnedFusesAreRefused() throws {
        try open().releaseLock()
        let unbound = try parent.bytes("state/counters")
        _ = try burned(ours)
        try parent.write("state/counters", unbound)
        #expect(try openError() == StateFileError(path: countersPath, problem: .boundToNoDevice))
        #expect(try parent.bytes("state/counters") == unbound)
    }

    /// The binding is the first write of the burn; a cut right after it leaves blank fuses beside a
    /// bank bound to fuses that were never burned. That state starts, and the next burn rebinds.
    @Test func burnCutAfterTheBindingStartsAndTheNextBurnRebinds() throws {
        try open().releaseLock()
        let media = try open(powerCut: PowerCut(cutAt: 2, effect: .failWrites))
        #expect(throws: HALError.ioFailure) { try media.fuses.burn(theirs) }
        #expect(media.fuses.isBlank)
        media.releaseLock()

        let restarted = try open()
        #expect(restarted.counters.deviceTag == CounterDeviceTag(fuses: theirs))
        try restarted.fuses.burn(ours)
        restarted.releaseLock()
        #expect(try open().counters.deviceTag == CounterDeviceTag(fuses: ours))
    }

    /// Format 1 pages had no device tag. Four counters give a file no format-2 page size fits; eight
    /// give one that splits into two format-2 pages: either way the version is named.
    @Test(arguments: [4, 8])
    func bankOfFormatOneIsRefusedByItsVersion(counters: Int) throws {
        let pages = [1, 0].map { Self.formatOnePage(counters: counters, sequence: $0) }
        try parent.write("counters", pages[0] + pages[1])
        let path = parent.file("counters")
        let error = try #require(throws: StateFileError.self) { try CounterFile(path: path, powerCut: PowerCut()) }
        #expect(error == StateFileError(path: path, problem: .unsupportedVersion(1)))
        #expect(error.description.contains("unsupported format version 1"))
    }

    /// Negative twin: the same bank written in format 2 opens.
    @Test(arguments: [4, 8])
    func bankOfFormatTwoOpens(counters: Int) throws {
        let page = CounterPage(sequence: 1, values: [UInt32](repeating: 7, count: counters))
        try parent.write("counters", page.encoded() + page.encoded().map { _ in 0 })
        #expect(try CounterFile(path: parent.file("counters"), powerCut: PowerCut()).read(counters - 1) == 7)
    }

    /// A page as format 1 laid it out: magic, version 1, reserved, n, sequence, values, CRC-32.
    static func formatOnePage(counters: Int, sequence: UInt64) -> [UInt8] {
        var bytes = CounterPage.magic
        ByteLayout.append(UInt16(1), to: &bytes)
        ByteLayout.append(UInt16(0), to: &bytes)
        ByteLayout.append(UInt32(counters), to: &bytes)
        ByteLayout.append(sequence, to: &bytes)
        for _ in 0..<counters { ByteLayout.append(UInt32(0), to: &bytes) }
        ByteLayout.append(CRC32.checksum(bytes), to: &bytes)
        return bytes
    }
}
