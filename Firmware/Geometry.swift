// Where things live: which on-chip counter means what, and which flash pages hold the store header
// and each slot's two copies. Both layouts are fixed per format version (docs/PROTOCOL.md).

/// The shape of the secure store: how many slots, how big each copy is.
public struct StoreGeometry: Equatable, Sendable {
    /// Default number of slots.
    public static let defaultSlotCount = 256
    /// Default bytes per slot copy.
    public static let defaultSlotSize = 512
    /// Most slots a store may have (slot indices travel as 16-bit values).
    public static let maxSlotCount = 4096

    /// Number of slots (each with two physical copies).
    public let slotCount: Int
    /// Bytes per slot copy; a multiple of the flash page size.
    public let slotSize: Int

    public init(slotCount: Int = StoreGeometry.defaultSlotCount, slotSize: Int = StoreGeometry.defaultSlotSize) {
        precondition((1...StoreGeometry.maxSlotCount).contains(slotCount), "slot count out of range")
        precondition(slotSize >= SlotCopy.minimumSize, "slot too small for a record")
        self.slotCount = slotCount
        self.slotSize = slotSize
    }
}

/// The counter bank's layout: a few global counters, then two counters per slot.
public struct CounterLayout: Equatable, Sendable {
    /// Counters reserved at the start of the bank for device-wide use (extend-only).
    public static let globalCount = 8
    /// Device lifecycle: 0 = not provisioned, 1 = provisioning, 2 = operational, ≥ 3 = zeroized.
    public static let lifecycle = 0
    /// Logins started for ids with no record: a durable write that keeps their timing like a real one.
    public static let unknownLogins = 1
    /// Seals of slot copies ever made: each copy is sealed at a value of this counter taken (and made
    /// durable) before it is sealed, and a slot's version counter advances to it, so no version of a
    /// slot is ever sealed twice (two copies cannot claim one version).
    public static let sealSequence = 2
    /// Boots of the device: raised once per boot before any random value is drawn, so a seeded
    /// entropy source never repeats a stream across boots.
    public static let boots = 3
    /// A realm member's tail version: raised before each capture's tail page is sealed at its value
    /// (realm mode, docs/PROTOCOL.md "Realm").
    public static let realmTail = 4
    /// A realm member's voted index: the highest log index it ever returned a statement for, raised
    /// (durably) before the statement leaves. It survives a lost tail page, so a member that lost its
    /// page and jumped back never votes again at an index it voted at.
    public static let realmVotedIndex = 5

    public let slotCount: Int

    public init(slotCount: Int) { self.slotCount = slotCount }

    /// Counters the bank must have.
    public var requiredCount: Int { CounterLayout.globalCount + 2 * slotCount }
    /// The version counter of `slot`: the version of its only trusted copy.
    public func version(_ slot: Int) -> Int { CounterLayout.globalCount + 2 * slot }
    /// The attempt counter of `slot`: logins ever started on it.
    public func attempts(_ slot: Int) -> Int { CounterLayout.globalCount + 2 * slot + 1 }
}

/// The flash layout: header pages, then for each slot copy A and copy B, each on whole pages, then
/// the realm area.
/// A write always lands in the half that does not hold the trusted copy.
public struct FlashLayout: Equatable, Sendable {
    public let pageSize: Int
    public let geometry: StoreGeometry

    public init(pageSize: Int, geometry: StoreGeometry) {
        precondition(pageSize > 0, "page size must be positive")
        self.pageSize = pageSize
        self.geometry = geometry
    }

    /// Bytes of flash the boot scan reads at once while checking never-written slots: bounded, so a
    /// board with little RAM can boot a large store.
    public static let scanWindowBytes = 16 * 1024

    /// Pages the header occupies.
    public var headerPages: Int { (StoreHeader.size + pageSize - 1) / pageSize }
    /// Pages one slot copy occupies.
    public var pagesPerCopy: Int { (geometry.slotSize + pageSize - 1) / pageSize }
    /// Pages the whole store needs.
    public var requiredPages: Int { headerPages + 2 * geometry.slotCount * pagesPerCopy }

    /// First page of the realm area (docs/PROTOCOL.md §11.5): right after the store.
    public var realmFirstPage: Int { requiredPages }
    /// Pages of the realm area.
    public var realmPages: Int { RealmArea.pages(pageSize: pageSize) }
    /// Pages a chip's flash has: the store, then the realm area.
    public var chipPages: Int { requiredPages + realmPages }

    /// First page of the copy of `slot` in `half` (0 or 1).
    public func firstPage(slot: Int, half: Int) -> Int {
        headerPages + (2 * slot + half) * pagesPerCopy
    }

    /// Byte offset of the copy of `slot` in `half`.
    public func offset(slot: Int, half: Int) -> Int { firstPage(slot: slot, half: half) * pageSize }
}
