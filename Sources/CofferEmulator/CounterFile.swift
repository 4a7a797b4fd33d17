import CofferFirmware
import Logging

/// The chip's on-chip bank of monotonic counters as the file `counters` in the state directory.
///
/// The file is two `CounterPage`s back to back. The valid page with the higher sequence number is
/// the truth. An increment writes the whole bank, with the sequence one higher, over the OTHER
/// (older) page and fsyncs it; only then does it return. A power cut during that write tears at
/// most the older page, so the newer one, the last value this bank ever reported as durable, is
/// still there: a counter never goes back below what an `increment` returned.
///
/// Every page carries the tag of the device the bank belongs to (`CounterDeviceTag`). A bank is
/// created unbound, while the fuses are still blank, and bound (`bind(to:)`) right before the fuses
/// are burned; from then on every page it writes carries that tag, which `ChipMedia` checks against
/// the fuses at start.
///
/// **Group commit** (`groupsCommits`, off unless a serving emulator turns it on): a change is made in
/// RAM only and marked staged, and `commit()` writes every change staged since the last commit as
/// ONE page (one write, one fsync). The serve loop commits before any reply leaves the emulator and
/// the flash commits before each of its own writes, so no effect of an increment (a KE2, a later
/// flash write) is seen before the increment is durable; a power cut before the commit loses the
/// staged increments together with every reply that depended on them. Since a page holds the whole
/// bank, a commit is as atomic as a single increment: a cut leaves the older page's values.
public final class CounterFile: CounterBank {
    /// The file's name inside the state directory.
    public static let fileName = "counters"

    /// The file's path.
    public let path: String
    private let file: DurableFile
    private let powerCut: PowerCut
    /// The bank as the chip sees it: the durable page, or ahead of it by what is staged.
    private var current: CounterPage
    /// The newest page on the file; with nothing staged, `current`.
    private var durable: CounterPage
    /// Which page (0 or 1) holds `durable`; a write goes over the other one.
    private var durablePage: Int
    /// Whether `current` is ahead of `durable` (only while commits are grouped).
    public private(set) var hasStagedChanges = false
    /// Whether changes wait in RAM for `commit()` instead of being written at once.
    public var groupsCommits = false {
        didSet { precondition(groupsCommits || !hasStagedChanges, "commit the staged changes first") }
    }
    /// Extra time every fsync of this file takes, to emulate a slower medium (nil: none).
    public var syncDelay: Duration?
    private let pageSize: Int
    private let logger = Logger(label: "coffer.emulator.counters")

    /// Set when the file was opened with one invalid page: the bank fell back to the other one. The
    /// next write overwrites the invalid page, so this tells what the open found, not what is left.
    public let fallback: StateWarning?

    public var count: Int { current.values.count }

    /// The tag of the device this bank is bound to (`.unbound` until the first `bind(to:)`).
    var deviceTag: CounterDeviceTag { current.deviceTag }

    /// Counters in the largest bank a chip of this firmware has (the most slots a store may have).
    static let largestCount = CounterLayout(slotCount: StoreGeometry.maxSlotCount).requiredCount
    /// Bytes in the largest valid counter file: two pages of `largestCount` counters.
    static let largestSize = 2 * CounterPage.byteCount(counters: largestCount)

    /// Creates a new counter file with `count` counters, all zero and bound to no device, refusing to
    /// replace one.
    /// One durable write.
    public static func create(path: String, count: Int, powerCut: PowerCut) throws(StateFileError) {
        precondition(count > 0, "a counter bank holds at least one counter")
        let zeros = [UInt32](repeating: 0, count: count)
        let bytes =
            CounterPage(sequence: 1, values: zeros).encoded() + CounterPage(sequence: 0, values: zeros).encoded()
        try powerCut.admitCreation(of: path)
        try DurableDirectory.createExclusively(path, bytes: bytes)
    }

    /// Opens the counter file at `path`, picking the valid page with the higher sequence number.
    /// Refuses a file of impossible size, two invalid pages, or two valid pages that contradict each
    /// other (equal sequence numbers, or a counter lower in the newer page).
    public init(path: String, powerCut: PowerCut) throws(StateFileError) {
        self.path = path
        self.powerCut = powerCut
        file = try DurableFile(openingExisting: path)
        let size = try file.size()
        // Checked before a byte is read: the file is read whole, and a huge (sparse) one must cost
        // nothing but this refusal.
        guard size <= Self.largestSize else {
            throw StateFileError(
                path: path,
                problem: .wrongSize(
                    actual: size, expected: "at most \(Self.largestSize) (two pages of \(Self.largestCount) counters)"))
        }
        guard size % 2 == 0, CounterPage.counters(inPageOf: size / 2) != nil else {
            try Self.refuseByItsStart(file, size: size, path: path)
            throw StateFileError(
                path: path,
                problem: .wrongSize(actual: size, expected: "two equal pages of 44 + 4·n bytes (n ≥ 1)")
            )
        }
        pageSize = size / 2
        let bytes = try file.read(offset: 0, count: size)
        let pages = [CounterPage.decode(bytes[0..<pageSize]), CounterPage.decode(bytes[pageSize..<size])]
        (current, durablePage) = try Self.choose(pages, path: path)
        durable = current
        fallback = Self.fallback(pages, bytes: bytes, pageSize: pageSize, used: durablePage, path: path)
    }

    /// The warning for a bank opened with one invalid page (nil with two valid ones). The invalid
    /// page's sequence number, if its bytes still hold one above the valid page's, says the bank
    /// fell back to the older page: its last increment is lost. A power cut in the middle of a
    /// write leaves an invalid page too, but that write had not returned.
    private static func fallback(
        _ pages: [Result<CounterPage, PageFault>], bytes: [UInt8], pageSize: Int, used: Int, path: String
    ) -> StateWarning? {
        let invalid = 1 - used
        guard case .failure(let fault) = pages[invalid], case .success(let page) = pages[used] else { return nil }
        let start = invalid * pageSize
        let claimed = ByteLayout.read(UInt64.self, from: bytes[start..<start + pageSize], at: 16)
        let which =
            claimed > page.sequence
            ? "fell back to the older page \(used) (sequence \(page.sequence); the invalid page claims \(claimed)): "
                + "the counters' last increment may be lost"
            : "runs on page \(used) (sequence \(page.sequence)), the newer one"
        return StateWarning(
            kind: .counterPageFallback, file: path, offset: invalid * pageSize, length: pageSize,
            message: "counter page \(invalid) is invalid (\(fault)); the bank \(which); its next write rewrites page "
                + "\(invalid) (nothing was reset)")
    }

    public func read(_ index: Int) throws(HALError) -> UInt32 {
        guard current.values.indices.contains(index) else { throw .outOfRange }
        return current.values[index]
    }

    public func increment(_ index: Int) throws(HALError) -> UInt32 {
        guard current.values.indices.contains(index) else { throw .outOfRange }
        guard current.values[index] < UInt32.max else { throw .counterExhausted }
        var next = current
        next.values[index] += 1
        try writeNext(next, what: "counter increment")
        return next.values[index]
    }

    public func advance(_ index: Int, to value: UInt32) throws(HALError) -> UInt32 {
        guard current.values.indices.contains(index), value >= current.values[index] else { throw .outOfRange }
        guard value > current.values[index] else { return value }
        var next = current
        next.values[index] = value
        try writeNext(next, what: "counter advance")
        return value
    }

    /// Binds the bank to the device tagged `tag`: one durable write, none if it is bound to `tag`
    /// already. Called right before the fuses are burned, so a bank beside burned fuses is always
    /// bound to them; a burn cut off after this leaves blank fuses, and the next burn binds again.
    func bind(to tag: CounterDeviceTag) throws(HALError) {
        guard !current.deviceTag.matches(tag) else { return }
        var next = current
        next.deviceTag = tag
        try writeNext(next, what: "binding the counters to the device")
        logger.info("counters bound to the device being manufactured")
    }

    /// Makes `next` the bank's state: written at once, or staged for `commit()` when commits are grouped.
    private func writeNext(_ next: CounterPage, what: String) throws(HALError) {
        guard groupsCommits else {
            try write(next, what: what)
            return
        }
        if powerCut.isCut { throw .ioFailure }
        current = next
        hasStagedChanges = true
    }

    /// Writes every change staged since the last commit as one page, and returns once it is durable;
    /// nothing when nothing is staged. One durable write (numbered for `PowerCut`). A failed commit
    /// leaves the staged changes staged: the chip's RAM is then ahead of its medium, and whoever
    /// serves it must release nothing that depended on them (the serve loop stops).
    public func commit() throws(HALError) {
        guard hasStagedChanges else { return }
        try write(current, what: "group commit of counter changes")
        hasStagedChanges = false
    }

    /// Writes `page`, with the sequence one above the durable page's, over the older page and makes it
    /// durable.
    private func write(_ page: CounterPage, what: String) throws(HALError) {
        var next = page
        next.sequence = durable.sequence + 1
        let target = 1 - durablePage
        try powerCut.admitWrite(to: path)
        do {
            try file.write(offset: target * pageSize, bytes: next.encoded())
            try file.sync()
            if let syncDelay { SlowMedium.wait(syncDelay) }
        } catch {
            // The older page may now be torn; the durable one is untouched, so the bank still holds
            // its last durable state, and the next write overwrites the torn page again.
            logger.error("\(what) not durable: \(error)")
            throw .ioFailure
        }
        current = next
        durable = next
        durablePage = target
    }

    /// A file of a size no page of this version gives is told apart first by what every version
    /// keeps at its start: no magic (not a counter bank at all), or another format version.
    private static func refuseByItsStart(_ file: DurableFile, size: Int, path: String) throws(StateFileError) {
        let start = try file.read(offset: 0, count: min(size, 10))
        guard Array(start.prefix(8)) == CounterPage.magic else {
            throw StateFileError(path: path, problem: .badMagic)
        }
        guard start.count == 10 else { return }
        let version = ByteLayout.read(UInt16.self, from: start, at: 8)
        if version != CounterPage.version {
            throw StateFileError(path: path, problem: .unsupportedVersion(version))
        }
    }

    private static func choose(
        _ pages: [Result<CounterPage, PageFault>],
        path: String
    ) throws(StateFileError) -> (CounterPage, Int) {
        switch (pages[0], pages[1]) {
        case (.failure(let fault0), .failure(let fault1)):
            if fault0 == .badMagic && fault1 == .badMagic {
                throw StateFileError(path: path, problem: .badMagic)
            }
            if case .unsupportedVersion(let version) = fault0, fault1 == fault0 {
                throw StateFileError(path: path, problem: .unsupportedVersion(version))
            }
            throw StateFileError(
                path: path,
                problem: .bothCounterPagesInvalid(page0: fault0.description, page1: fault1.description)
            )
        case (.success(let page), .failure):
            return (page, 0)
        case (.failure, .success(let page)):
            return (page, 1)
        case (.success(let page0), .success(let page1)):
            guard page0.sequence != page1.sequence else {
                throw StateFileError(
                    path: path, problem: .inconsistentCounterPages("both pages have sequence \(page0.sequence)"))
            }
            let (newer, older, index) = page0.sequence > page1.sequence ? (page0, page1, 0) : (page1, page0, 1)
            if let counter = newer.values.indices.first(where: { newer.values[$0] < older.values[$0] }) {
                throw StateFileError(
                    path: path,
                    problem: .inconsistentCounterPages("counter \(counter) is lower in the newer page")
                )
            }
            return (newer, index)
        }
    }
}
