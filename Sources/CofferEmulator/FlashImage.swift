import CofferFirmware
import Logging

/// The size and erase granularity of the emulated external flash chip.
public struct FlashGeometry: Equatable, Sendable, CustomStringConvertible {
    /// Bytes per erase page.
    public var pageSize: Int
    /// Number of pages.
    public var pageCount: Int

    /// A geometry of `pageCount` pages of `pageSize` bytes each.
    public init(pageSize: Int, pageCount: Int) {
        precondition(pageSize > 0 && pageCount > 0, "flash geometry must be positive")
        self.pageSize = pageSize
        self.pageCount = pageCount
    }

    /// Total bytes.
    public var byteCount: Int { pageSize * pageCount }

    public var description: String { "\(byteCount) bytes (\(pageCount) pages of \(pageSize) bytes)" }
}

/// The chip's external NOR flash as the file `flash.img`: a raw image whose size is exactly the
/// geometry's. Erase sets a page to 0xFF; program writes only into erased bytes. Each program and
/// each erase is one pwrite plus fsync before it returns. The flash is untrusted: anyone may edit
/// or roll back this file, so reads go to the file every time and the firmware checks what it gets.
public final class FlashImage: FlashMemory {
    /// The file's name inside the state directory.
    public static let fileName = "flash.img"

    /// The file's path.
    public let path: String
    /// The fixed geometry the file was checked against.
    public let geometry: FlashGeometry
    private let file: DurableFile
    private let powerCut: PowerCut
    private let logger = Logger(label: "coffer.emulator.flash")

    public var pageSize: Int { geometry.pageSize }
    public var pageCount: Int { geometry.pageCount }

    /// Creates an erased (all 0xFF) image of `geometry`, refusing to replace one. One durable write.
    public static func create(path: String, geometry: FlashGeometry, powerCut: PowerCut) throws(StateFileError) {
        try powerCut.admitCreation(of: path)
        try DurableDirectory.createExclusively(path, bytes: [UInt8](repeating: 0xFF, count: geometry.byteCount))
    }

    /// Grows an image of exactly `old`'s size (the store alone, as emulators before the realm area
    /// made it) to `new`'s by appending erased pages, in one durable write. Returns whether it grew;
    /// any other size is left for `init` to refuse by name (a truncated or extended image is damage,
    /// never padded: only the one size an older emulator made is known to be whole).
    public static func addRealmArea(
        path: String, from old: FlashGeometry, to new: FlashGeometry, powerCut: PowerCut
    ) throws(StateFileError) -> Bool {
        guard old.pageSize == new.pageSize, old.byteCount < new.byteCount else { return false }
        let file = try DurableFile(openingExisting: path)
        let size = try file.size()
        guard size == old.byteCount else { return false }
        do {
            try powerCut.admitWrite(to: path)
        } catch {
            throw StateFileError(path: path, problem: .powerCut)
        }
        try file.write(offset: size, bytes: [UInt8](repeating: 0xFF, count: new.byteCount - size))
        try file.sync()
        return true
    }

    /// Runs before each program or erase reaches the file: the counter bank commits what it has staged
    /// (group commit), so a flash write is never durable before a counter change the chip made first.
    var beforeWrite: (() throws(HALError) -> Void)?
    /// Extra time every fsync of this file takes, to emulate a slower medium (nil: none).
    public var syncDelay: Duration?

    /// Opens the image at `path`; its size must be exactly `geometry.byteCount`.
    public init(path: String, geometry: FlashGeometry, powerCut: PowerCut) throws(StateFileError) {
        self.path = path
        self.geometry = geometry
        self.powerCut = powerCut
        file = try DurableFile(openingExisting: path)
        let size = try file.size()
        guard size == geometry.byteCount else {
            throw StateFileError(path: path, problem: .wrongSize(actual: size, expected: "\(geometry)"))
        }
    }

    public func read(offset: Int, count: Int) throws(HALError) -> [UInt8] {
        try checkRange(offset: offset, count: count)
        do {
            return try file.read(offset: offset, count: count)
        } catch {
            logger.error("flash read failed: \(error)")
            throw .ioFailure
        }
    }

    public func program(offset: Int, bytes: [UInt8]) throws(HALError) {
        try checkRange(offset: offset, count: bytes.count)
        guard try read(offset: offset, count: bytes.count).allSatisfy({ $0 == 0xFF }) else { throw .notErased }
        try durableWrite(offset: offset, bytes: bytes)
    }

    public func erase(page: Int) throws(HALError) {
        guard (0..<pageCount).contains(page) else { throw .outOfRange }
        try durableWrite(offset: page * pageSize, bytes: [UInt8](repeating: 0xFF, count: pageSize))
    }

    private func durableWrite(offset: Int, bytes: [UInt8]) throws(HALError) {
        try beforeWrite?()
        try powerCut.admitWrite(to: path)
        do {
            try file.write(offset: offset, bytes: bytes)
            try file.sync()
            if let syncDelay { SlowMedium.wait(syncDelay) }
        } catch {
            logger.error("flash write not durable: \(error)")
            throw .ioFailure
        }
    }

    private func checkRange(offset: Int, count: Int) throws(HALError) {
        guard offset >= 0, count >= 0, offset <= geometry.byteCount - count else { throw .outOfRange }
    }
}
