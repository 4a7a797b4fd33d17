// The secure store: fixed-size slots on untrusted flash, each with two physical copies, where the
// on-chip version counter says which copy is the truth. A write goes to the half not trusted, is
// made durable, and only then does the counter move, so a power cut at any point leaves the old or
// the new content. A copy that does not open at the counter's version is reported damaged and
// left alone: never used, never reset.

import CofferProtocol
import OPAQUE

/// What the store knows about a slot without opening it again (an index kept in RAM).
public enum SlotState: Equatable {
    case empty
    case record(credentialID: [UInt8])
    case tombstone(credentialID: [UInt8])
    /// The trusted copy failed its checks (edited, rolled back, or foreign flash).
    case damaged
}

/// The slots on flash, sealed under the device's store keys.
public final class SecureStore<Flash: FlashMemory, Counters: CounterBank, Engine: CryptoEngine> {
    public let layout: FlashLayout
    public let counterLayout: CounterLayout
    private let flash: Flash
    private let counters: Counters
    private let engine: Engine
    private let keys: StoreKeys
    /// Index of every slot, filled by `scan()` and kept up to date by `write`.
    public private(set) var states: [SlotState]

    /// A store over `flash` and `counters`; refuses with `.outOfRange` when they are too small.
    public init(
        flash: Flash, counters: Counters, engine: Engine, keys: StoreKeys, geometry: StoreGeometry
    ) throws(FirmwareError) {
        layout = FlashLayout(pageSize: flash.pageSize, geometry: geometry)
        counterLayout = CounterLayout(slotCount: geometry.slotCount)
        guard flash.pageCount >= layout.requiredPages, counters.count >= counterLayout.requiredCount else {
            throw .hal(.outOfRange)
        }
        self.flash = flash
        self.counters = counters
        self.engine = engine
        self.keys = keys
        states = [SlotState](repeating: .empty, count: geometry.slotCount)
    }

    public var slotCount: Int { layout.geometry.slotCount }

    /// Bytes of registration record a slot can hold.
    public var maxRegistrationRecordLength: Int {
        let room = SlotCopy.plaintextLength(slotSize: layout.geometry.slotSize)
        return SlotContent.maxRegistrationRecordLength(plaintextLength: room)
    }

    // MARK: Format and header

    /// Erases every page of the store that is not blank, then writes the header last, so a store
    /// whose formatting was cut off has no valid header and is formatted again.
    public func format(defaultAttemptLimit: UInt8) throws(FirmwareError) {
        for page in (0..<layout.requiredPages).reversed() { try erasePageIfNeeded(page) }
        let header = StoreHeader(
            slotCount: slotCount, slotSize: layout.geometry.slotSize, defaultAttemptLimit: defaultAttemptLimit)
        let bytes = try hal(try header.sealed(engine: engine, keys: keys))
        try hal(try flash.program(offset: 0, bytes: bytes))
    }

    /// The authenticated header; `.storeUnavailable` when the flash holds no header of this device
    /// and geometry (blank, foreign, edited).
    public func readHeader() throws(FirmwareError) -> StoreHeader {
        let bytes = try hal(try flash.read(offset: 0, count: StoreHeader.size))
        guard let header = StoreHeader.open(bytes, engine: engine, keys: keys),
            header.slotCount == slotCount, header.slotSize == layout.geometry.slotSize
        else { throw .refused(.storeUnavailable) }
        return header
    }

    // MARK: Slots

    /// Opens every slot to rebuild the index, and wipes stale copies left beside tombstones and
    /// empty slots (a destruction cut off before its scrub). Returns the contents it opened.
    @discardableResult
    public func scan() throws(FirmwareError) -> [SlotContent?] {
        var contents: [SlotContent?] = []
        for slot in 0..<slotCount {
            let content = try? load(slot)
            contents.append(content)
            if let content, content.isKeyFree { try scrubStaleCopy(slot) }
        }
        return contents
    }

    /// The trusted content of `slot`. `.slotDamaged` when its copy at the counter's version is
    /// missing or does not open.
    public func load(_ slot: Int) throws(FirmwareError) -> SlotContent {
        let version = try hal(try counters.read(counterLayout.version(slot)))
        // Version 0: never written since manufacture; flash contents there mean nothing.
        guard version > 0 else {
            states[slot] = .empty
            return .empty
        }
        let bytes = try hal(
            try flash.read(offset: layout.offset(slot: slot, half: Int(version % 2)), count: layout.geometry.slotSize))
        guard let content = SlotCopy.open(bytes, slot: slot, version: version, engine: engine, keys: keys) else {
            states[slot] = .damaged
            throw .refused(.slotDamaged)
        }
        states[slot] = SlotState(content)
        return content
    }

    /// Replaces the content of `slot`: new copy into the untrusted half, durable, then the version
    /// counter. With `scrub`, the previous copy is erased afterwards (destroying key material).
    public func write(_ slot: Int, _ content: SlotContent, scrub: Bool = false) throws(FirmwareError) {
        let versionIndex = counterLayout.version(slot)
        let current = try hal(try counters.read(versionIndex))
        guard current < UInt32.max else { throw .hal(.counterExhausted) }
        let next = current + 1
        let half = Int(next % 2)
        let bytes = try hal(
            try SlotCopy.seal(
                content, slot: slot, version: next, slotSize: layout.geometry.slotSize, engine: engine, keys: keys))
        try eraseCopyIfNeeded(slot: slot, half: half)
        try hal(try flash.program(offset: layout.offset(slot: slot, half: half), bytes: bytes))
        _ = try hal(try counters.increment(versionIndex))
        let reread = try hal(try counters.read(versionIndex))
        guard reread == next else {
            states[slot] = .damaged
            throw .refused(.slotDamaged)
        }
        states[slot] = SlotState(content)
        if scrub { try scrubStaleCopy(slot) }
    }

    /// The slot holding a record or tombstone for `credentialID`.
    public func slot(of credentialID: [UInt8]) -> Int? {
        states.firstIndex { state in
            switch state {
            case .record(let id), .tombstone(let id): id == credentialID
            case .empty, .damaged: false
            }
        }
    }

    /// A slot for a new record: an empty one, else the first tombstone (tombstones give way).
    public func freeSlot() -> Int? {
        if let empty = states.firstIndex(of: .empty) { return empty }
        return states.firstIndex { if case .tombstone = $0 { true } else { false } }
    }

    // MARK: Erasing

    /// Erases the half of `slot` that is not trusted, if it holds anything.
    private func scrubStaleCopy(_ slot: Int) throws(FirmwareError) {
        let version = try hal(try counters.read(counterLayout.version(slot)))
        try eraseCopyIfNeeded(slot: slot, half: Int((version + 1) % 2))
    }

    private func eraseCopyIfNeeded(slot: Int, half: Int) throws(FirmwareError) {
        let first = layout.firstPage(slot: slot, half: half)
        for page in first..<first + layout.pagesPerCopy { try erasePageIfNeeded(page) }
    }

    private func erasePageIfNeeded(_ page: Int) throws(FirmwareError) {
        let bytes = try hal(
            try flash.read(offset: page * flash.pageSize, count: flash.pageSize))
        guard bytes.contains(where: { $0 != 0xFF }) else { return }
        try hal(try flash.erase(page: page))
    }
}

extension SlotState {
    init(_ content: SlotContent) {
        switch content {
        case .empty: self = .empty
        case .record(let record): self = .record(credentialID: record.credentialID)
        case .tombstone(let id): self = .tombstone(credentialID: id)
        }
    }
}

extension SlotContent {
    /// True for content that holds no key material (so older copies beside it must be wiped).
    var isKeyFree: Bool {
        if case .record = self { false } else { true }
    }
}
