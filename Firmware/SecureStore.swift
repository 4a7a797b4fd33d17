// The secure store: fixed-size slots on untrusted flash, each with two physical copies, where the
// on-chip version counter says which copy is the truth. A write takes a fresh value of the on-chip
// seal sequence first (durable), seals the copy at that value, puts it in the half not trusted,
// makes it durable, and only then advances the slot's version counter to that value. So a power
// cut at any point leaves the old or the new content, and no version is ever sealed twice: a copy
// cut off before its commit can never be trusted later, because the version counter only moves on
// to newer seal values. A copy that does not open at the counter's version is reported damaged
// and left alone: never used, never reset.

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
    /// For each damaged slot, the lookup tag its trusted copy claims in the clear (nil when it claims
    /// none): whose the slot seems to have been, so that id is neither treated as unknown nor given
    /// another slot.
    private var damagedClaims: [[UInt8]?]
    /// For each slot, the half that held its trusted copy when it was last opened or written (nil:
    /// never written, or not opened yet). Writes go to the other half.
    private var trustedHalves: [Int?]

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
        damagedClaims = [[UInt8]?](repeating: nil, count: geometry.slotCount)
        trustedHalves = [Int?](repeating: nil, count: geometry.slotCount)
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
    public func format(defaultAttemptLimit: UInt8, maxAttemptLimit: UInt8? = nil) throws(FirmwareError) {
        for page in (0..<layout.requiredPages).reversed() { try erasePageIfNeeded(page) }
        let header = StoreHeader(
            slotCount: slotCount, slotSize: layout.geometry.slotSize, defaultAttemptLimit: defaultAttemptLimit,
            maxAttemptLimit: maxAttemptLimit ?? max(defaultAttemptLimit, VaultLimits.defaultMaxAttemptLimit))
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
    ///
    /// Most slots of a store have never been written (version 0): they need no opening, only a check
    /// that both their copies are erased. Those checks read the flash a window of slots at a time
    /// (`scanWindowBytes`, one read each) rather than a page at a time; written slots are opened one
    /// by one as before.
    @discardableResult
    public func scan() throws(FirmwareError) -> [SlotContent?] {
        var contents: [SlotContent?] = []
        contents.reserveCapacity(slotCount)
        let copyBytes = layout.pagesPerCopy * layout.pageSize
        let slotsPerWindow = max(1, FlashLayout.scanWindowBytes / (2 * copyBytes))
        var window: [UInt8] = []
        var windowStart = 0
        for slot in 0..<slotCount {
            guard try hal(try counters.read(counterLayout.version(slot))) == 0 else {
                let content = try? load(slot)
                contents.append(content)
                if let content, content.isKeyFree { try scrubStaleCopy(slot) }
                continue
            }
            trustedHalves[slot] = nil
            setState(slot, .empty)
            contents.append(.empty)
            if window.isEmpty || slot >= windowStart + slotsPerWindow {
                windowStart = slot
                let count = min(slotsPerWindow, slotCount - slot)
                window = try hal(try flash.read(offset: layout.offset(slot: slot, half: 0), count: 2 * count * copyBytes))
            }
            // Both copies of a slot lie side by side: pages first..first+2·pagesPerCopy.
            let firstPage = layout.firstPage(slot: slot, half: 0)
            for page in 0..<2 * layout.pagesPerCopy {
                let start = ((slot - windowStart) * 2 * layout.pagesPerCopy + page) * layout.pageSize
                if !Self.isErased(window, from: start, count: layout.pageSize) {
                    try hal(try flash.erase(page: firstPage + page))
                }
            }
        }
        return contents
    }

    /// Whether `count` bytes of `bytes` from `start` are all 0xFF, eight at a time.
    static func isErased(_ bytes: [UInt8], from start: Int, count: Int) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var index = start
            let end = start + count
            var all: UInt64 = ~0
            while index + 8 <= end {
                all &= buffer.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                index += 8
            }
            while index < end {
                all &= UInt64(buffer[index]) | ~0xFF
                index += 1
            }
            return all == ~0
        }
    }

    /// The trusted content of `slot`: the copy, in either half, that opens at the version counter's
    /// value. `.slotDamaged` when none does.
    public func load(_ slot: Int) throws(FirmwareError) -> SlotContent {
        let version = try hal(try counters.read(counterLayout.version(slot)))
        // Version 0: never written since manufacture; flash contents there mean nothing.
        guard version > 0 else {
            trustedHalves[slot] = nil
            setState(slot, .empty)
            return .empty
        }
        // Whose the slot seems to be if no copy opens: the copy claiming the newest version in the
        // clear (the trusted one, edited; or after a rollback the newest left).
        var claim: (version: UInt32, tag: [UInt8])?
        for half in 0..<2 {
            let bytes = try hal(
                try flash.read(offset: layout.offset(slot: slot, half: half), count: layout.geometry.slotSize))
            if let content = SlotCopy.open(bytes, slot: slot, version: version, engine: engine, keys: keys) {
                trustedHalves[slot] = half
                setState(slot, SlotState(content))
                return content
            }
            if let tag = SlotCopy.claimedLookupTag(bytes) {
                let claimed = SlotCopy.claimedVersion(bytes) ?? 0
                if claim.map({ claimed >= $0.version }) ?? true { claim = (claimed, tag) }
            }
        }
        setState(slot, .damaged, claim: claim?.tag)
        throw .refused(.slotDamaged)
    }

    /// Replaces the content of `slot`: a fresh seal value (durable), the new copy sealed at it into
    /// the untrusted half (durable), then the version counter advanced to it. With `scrub`, the
    /// previous copy is erased afterwards (destroying key material).
    public func write(_ slot: Int, _ content: SlotContent, scrub: Bool = false) throws(FirmwareError) {
        let versionIndex = counterLayout.version(slot)
        let current = try hal(try counters.read(versionIndex))
        let half = 1 - (try trustedHalf(slot) ?? 0)
        // The seal value is spent before anything is sealed with it, so a cut anywhere after this
        // line leaves a copy (if any) at a version the counter will never take.
        let version = try hal(try counters.increment(CounterLayout.sealSequence))
        guard version > current else { throw .hal(.outOfRange) }
        let bytes = try hal(
            try SlotCopy.seal(
                content, slot: slot, version: version, slotSize: layout.geometry.slotSize, engine: engine,
                keys: keys))
        try eraseCopyIfNeeded(slot: slot, half: half)
        try hal(try flash.program(offset: layout.offset(slot: slot, half: half), bytes: bytes))
        _ = try hal(try counters.advance(versionIndex, to: version))
        let reread = try hal(try counters.read(versionIndex))
        guard reread == version else {
            setState(slot, .damaged, claim: SlotCopy.claimedLookupTag(bytes))
            throw .refused(.slotDamaged)
        }
        trustedHalves[slot] = half
        setState(slot, SlotState(content))
        if scrub { try scrubStaleCopy(slot) }
    }

    /// The half holding the trusted copy of `slot` (nil when it was never written), opening the slot
    /// when this boot has not yet.
    public func trustedHalf(_ slot: Int) throws(FirmwareError) -> Int? {
        guard try hal(try counters.read(counterLayout.version(slot))) > 0 else { return nil }
        if let half = trustedHalves[slot] { return half }
        _ = try load(slot)
        return trustedHalves[slot]
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

    /// A damaged slot whose copy claims to be `credentialID`'s (by its lookup tag), when no slot
    /// opens as that id's: the id's record may be in there, so it must not look unknown.
    public func damagedSlot(claiming credentialID: [UInt8]) -> Int? {
        guard damagedClaims.contains(where: { $0 != nil }) else { return nil }
        let tag = SlotCopy.lookupTag(of: credentialID, engine: engine, keys: keys)
        return damagedClaims.firstIndex { claim in claim.map { constantTimeEqual($0, tag) } ?? false }
    }

    private func setState(_ slot: Int, _ state: SlotState, claim: [UInt8]? = nil) {
        states[slot] = state
        damagedClaims[slot] = claim
    }

    /// A slot for a new record: an empty one, else the first tombstone (tombstones give way).
    public func freeSlot() -> Int? {
        if let empty = states.firstIndex(of: .empty) { return empty }
        return states.firstIndex { if case .tombstone = $0 { true } else { false } }
    }

    // MARK: Erasing

    /// Erases the half of `slot` that is not trusted (both halves of a slot never written), if it
    /// holds anything.
    private func scrubStaleCopy(_ slot: Int) throws(FirmwareError) {
        guard let trusted = try trustedHalf(slot) else {
            for half in 0..<2 { try eraseCopyIfNeeded(slot: slot, half: half) }
            return
        }
        try eraseCopyIfNeeded(slot: slot, half: 1 - trusted)
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
