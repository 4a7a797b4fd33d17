// External NOR flash in RAM: erase sets a page to 0xFF, program may only write into erased bytes.
// The image can be copied out and put back, which is how tests play a thief or a rollback.

import CofferFirmware

/// NOR-style flash held in memory, with NOR's rule that bytes are programmed only once erased.
public final class MemoryFlash: FlashMemory {
    public let pageSize: Int
    public let pageCount: Int
    private var cells: [UInt8]
    private let power: PowerCut

    /// An erased flash of `pageCount` pages of `pageSize` bytes.
    public init(pageSize: Int, pageCount: Int, power: PowerCut = PowerCut()) {
        precondition(pageSize > 0 && pageCount > 0, "flash needs pages")
        self.pageSize = pageSize
        self.pageCount = pageCount
        cells = [UInt8](repeating: 0xFF, count: pageSize * pageCount)
        self.power = power
    }

    public func read(offset: Int, count: Int) throws(HALError) -> [UInt8] {
        guard offset >= 0, count >= 0, offset + count <= cells.count else { throw .outOfRange }
        return Array(cells[offset..<offset + count])
    }

    public func program(offset: Int, bytes: [UInt8]) throws(HALError) {
        guard offset >= 0, offset + bytes.count <= cells.count else { throw .outOfRange }
        for i in 0..<bytes.count where cells[offset + i] != 0xFF {
            throw .notErased
        }
        try power.admitWrite()
        cells.replaceSubrange(offset..<offset + bytes.count, with: bytes)
    }

    public func erase(page: Int) throws(HALError) {
        guard page >= 0, page < pageCount else { throw .outOfRange }
        try power.admitWrite()
        for i in page * pageSize..<(page + 1) * pageSize { cells[i] = 0xFF }
    }

    /// The whole image, as a thief copying the chip or a host keeping an old copy would see it.
    public var image: [UInt8] {
        get { cells }
        set {
            precondition(newValue.count == cells.count, "image of another size")
            cells = newValue
        }
    }
}
