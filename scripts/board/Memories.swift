// A microcontroller board's memories, shared by the compile-only board (scripts/embedded) and the QEMU
// board (scripts/qemu): fuses, monotonic counters and NOR flash held in RAM, each change handed to a
// `MemoryKeeper` first, which keeps it beyond RAM or not at all. The store's shape is fixed here too.

import CofferFirmware
import CofferProtocol

/// The store this image is built for: small enough for an MCU's internal flash.
let geometry = StoreGeometry(slotCount: 8, slotSize: 512)
/// Bytes per flash erase page, as on a typical Cortex-M internal flash.
let flashPageSize = 512
let flashLayout = FlashLayout(pageSize: flashPageSize, geometry: geometry)
/// Counters of the bank: the store's counter layout, exactly.
let counterCount = CounterLayout(slotCount: geometry.slotCount).requiredCount

/// Where a board keeps its memories beyond RAM. Each call returns only once the change is kept; a
/// throw means it was not, and the memory in RAM stays as it was.
protocol MemoryKeeper: AnyObject {
    func keepFuses(_ contents: FuseContents) throws(HALError)
    func keepCounter(_ index: Int, value: UInt32) throws(HALError)
    func keepFlash(offset: Int, bytes: [UInt8]) throws(HALError)
}

/// Keeps nothing: the memories live and die with RAM (the compile-only board).
final class RAMOnly: MemoryKeeper {
    func keepFuses(_ contents: FuseContents) throws(HALError) {}
    func keepCounter(_ index: Int, value: UInt32) throws(HALError) {}
    func keepFlash(offset: Int, bytes: [UInt8]) throws(HALError) {}
}

/// One-time-programmable fuses (a board maps its OTP block here).
final class OTPFuses<Keeper: MemoryKeeper>: FuseBank {
    private let keeper: Keeper
    private var contents: FuseContents?

    /// Fuses as burned earlier (`contents`), or blank.
    init(keeper: Keeper, contents: FuseContents? = nil) {
        self.keeper = keeper
        self.contents = contents
    }

    func read() throws(HALError) -> FuseContents? { contents }

    func burn(_ contents: FuseContents) throws(HALError) {
        guard self.contents == nil else { throw .alreadyBurned }
        guard contents.uds.count == FuseContents.udsLength else { throw .outOfRange }
        try keeper.keepFuses(contents)
        self.contents = contents
    }
}

/// The monotonic counters, sized for the store's counter layout.
final class MonotonicCounters<Keeper: MemoryKeeper>: CounterBank {
    private let keeper: Keeper
    private var values: [UInt32]

    /// Counters holding `values` (all zero on a new chip).
    init(keeper: Keeper, values: [UInt32] = [UInt32](repeating: 0, count: counterCount)) {
        self.keeper = keeper
        self.values = values
    }

    var count: Int { values.count }

    func read(_ index: Int) throws(HALError) -> UInt32 {
        guard values.indices.contains(index) else { throw .outOfRange }
        return values[index]
    }

    func increment(_ index: Int) throws(HALError) -> UInt32 {
        guard values.indices.contains(index) else { throw .outOfRange }
        guard values[index] < UInt32.max else { throw .counterExhausted }
        return try raise(index, to: values[index] + 1)
    }

    func advance(_ index: Int, to value: UInt32) throws(HALError) -> UInt32 {
        guard values.indices.contains(index), value >= values[index] else { throw .outOfRange }
        guard value != values[index] else { return value }
        return try raise(index, to: value)
    }

    private func raise(_ index: Int, to value: UInt32) throws(HALError) -> UInt32 {
        try keeper.keepCounter(index, value: value)
        values[index] = value
        return value
    }
}

/// NOR flash of exactly the pages the store needs, with NOR's program rule.
final class InternalFlash<Keeper: MemoryKeeper>: FlashMemory {
    /// Bytes of the whole flash.
    static var size: Int { flashPageSize * flashLayout.requiredPages }

    let pageSize = flashPageSize
    let pageCount = flashLayout.requiredPages
    private let keeper: Keeper
    private var cells: [UInt8]

    /// Flash holding `cells` (`size` bytes; erased on a new chip).
    init(keeper: Keeper, cells: [UInt8] = [UInt8](repeating: 0xFF, count: InternalFlash.size)) {
        precondition(cells.count == Self.size, "a flash image of another size")
        self.keeper = keeper
        self.cells = cells
    }

    func read(offset: Int, count: Int) throws(HALError) -> [UInt8] {
        guard offset >= 0, count >= 0, offset + count <= cells.count else { throw .outOfRange }
        return Array(cells[offset..<offset + count])
    }

    func program(offset: Int, bytes: [UInt8]) throws(HALError) {
        guard offset >= 0, offset + bytes.count <= cells.count else { throw .outOfRange }
        for i in 0..<bytes.count where cells[offset + i] != 0xFF {
            throw .notErased
        }
        try keeper.keepFlash(offset: offset, bytes: bytes)
        cells.replaceSubrange(offset..<offset + bytes.count, with: bytes)
    }

    func erase(page: Int) throws(HALError) {
        guard page >= 0, page < pageCount else { throw .outOfRange }
        try keeper.keepFlash(offset: page * pageSize, bytes: [UInt8](repeating: 0xFF, count: pageSize))
        for i in page * pageSize..<(page + 1) * pageSize { cells[i] = 0xFF }
    }
}

// Memories of a board that keeps nothing beyond RAM.
extension OTPFuses where Keeper == RAMOnly {
    convenience init() { self.init(keeper: RAMOnly()) }
}

extension MonotonicCounters where Keeper == RAMOnly {
    convenience init() { self.init(keeper: RAMOnly()) }
}

extension InternalFlash where Keeper == RAMOnly {
    convenience init() { self.init(keeper: RAMOnly()) }
}
