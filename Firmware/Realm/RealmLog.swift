// The realm's log (../shared/REALM.md "Messages and what they bind"): log entries MACed with the
// group key, the statements a member returns when it has durably captured one, and the tail triple a
// member keeps. Codecs are pure functions of bytes with named limits; every decoder is strict (no
// trailing bytes, no unknown kinds) and bounded.

/// Labels of the realm log's MACs and hashes. Extend-only.
public enum RealmLogLabel {
    /// MAC label of a log entry.
    public static let entry: [UInt8] = Array("coffer/realm/v1/entry".utf8)
    /// MAC label of a captured statement.
    public static let capture: [UInt8] = Array("coffer/realm/v1/capture".utf8)
    /// Hash label of a group's genesis (the tail before index 1).
    public static let genesis: [UInt8] = Array("coffer/realm/v1/genesis".utf8)
}

/// Size limits of realm messages (docs/PROTOCOL.md, "Realm messages").
public enum RealmLimits {
    /// Most changes one log entry carries.
    public static let maxChangesPerEntry = 64
    /// Largest sealed leaf a change may carry.
    public static let maxLeafLength = 1024
    /// Largest OPAQUE registration record a realm record keeps (both suites' are far smaller).
    public static let maxRegistrationRecordLength = 512
    /// Largest encoded log entry.
    public static var maxEntryLength: Int { entryFixedLength + maxChangesPerEntry * (32 + 1 + 2 + maxLeafLength) + 32 }
    /// Bytes of an entry before its changes.
    static let entryFixedLength = 16 + 16 + 4 + 8 + 32 + 32 + 32 + 32 + 1 + 2
}

/// One change a log entry makes to the record tree.
public struct RealmChange: Equatable, Sendable {
    /// The tree key (HMAC of the record id under the realm's index key).
    public let key: [UInt8]
    /// The new sealed leaf, or nil when the leaf is removed.
    public let leaf: [UInt8]?

    public init(key: [UInt8], leaf: [UInt8]?) {
        self.key = key
        self.leaf = leaf
    }
}

/// A log entry: the group's next state, made by its leader member and MACed with the group key, so
/// nobody outside the group can make one and no field can be changed.
public struct RealmLogEntry: Equatable, Sendable {
    public let realmID: [UInt8]
    public let groupID: [UInt8]
    public let configID: UInt32
    /// Position in the group's log; the first entry is 1.
    public let index: UInt64
    /// Hash of the entry at `index - 1` (the genesis hash for index 1).
    public let previousHash: [UInt8]
    /// Root of the record tree after `changes`.
    public let newRoot: [UInt8]
    public let rangeStart: [UInt8]
    public let rangeEnd: [UInt8]
    /// Member id of the leader that made it.
    public let leader: UInt8
    /// The batch of changes, one per tree key, in key order.
    public let changes: [RealmChange]
    /// HMAC-SHA256 under the group key of `entry label ‖ body`.
    public let mac: [UInt8]

    /// Everything but the MAC.
    public var body: [UInt8] {
        var out = realmID + groupID + bigEndian(configID) + bigEndian(index) + previousHash + newRoot
        out += rangeStart + rangeEnd
        out.append(leader)
        out += [UInt8(truncatingIfNeeded: changes.count >> 8), UInt8(truncatingIfNeeded: changes.count)]
        for change in changes {
            out += change.key
            if let leaf = change.leaf {
                out.append(1)
                out += [UInt8(truncatingIfNeeded: leaf.count >> 8), UInt8(truncatingIfNeeded: leaf.count)]
                out += leaf
            } else {
                out.append(2)
            }
        }
        return out
    }

    /// The wire form: body ‖ MAC.
    public func encoded() -> [UInt8] { body + mac }

    /// The entry's name: SHA-256 of its wire form.
    public func hash<Engine: CryptoEngine>(_ engine: Engine) -> [UInt8] { engine.sha256(encoded()) }

    /// Makes and MACs an entry for `configuration`.
    public static func make<Engine: CryptoEngine>(
        configuration: RealmGroupConfiguration, index: UInt64, previousHash: [UInt8], newRoot: [UInt8], leader: UInt8,
        changes: [RealmChange], macKey: [UInt8], engine: Engine
    ) -> RealmLogEntry {
        let unsigned = RealmLogEntry(
            realmID: configuration.realmID, groupID: configuration.groupID, configID: configuration.configID,
            index: index, previousHash: previousHash, newRoot: newRoot, rangeStart: configuration.rangeStart,
            rangeEnd: configuration.rangeEnd, leader: leader, changes: changes, mac: [])
        let mac = engine.hmacSHA256(key: macKey, message: RealmLogLabel.entry + unsigned.body)
        return RealmLogEntry(
            realmID: unsigned.realmID, groupID: unsigned.groupID, configID: unsigned.configID, index: index,
            previousHash: previousHash, newRoot: newRoot, rangeStart: unsigned.rangeStart, rangeEnd: unsigned.rangeEnd,
            leader: leader, changes: changes, mac: mac)
    }

    /// Whether the MAC is the group's, compared in constant time.
    public func isAuthentic<Engine: CryptoEngine>(macKey: [UInt8], engine: Engine) -> Bool {
        engine.constantTimeEqual(engine.hmacSHA256(key: macKey, message: RealmLogLabel.entry + body), mac)
    }

    /// Whether the entry names `configuration` (realm, group, config id and range).
    public func belongs(to configuration: RealmGroupConfiguration) -> Bool {
        realmID == configuration.realmID && groupID == configuration.groupID && configID == configuration.configID
            && rangeStart == configuration.rangeStart && rangeEnd == configuration.rangeEnd
    }

    init(
        realmID: [UInt8], groupID: [UInt8], configID: UInt32, index: UInt64, previousHash: [UInt8], newRoot: [UInt8],
        rangeStart: [UInt8], rangeEnd: [UInt8], leader: UInt8, changes: [RealmChange], mac: [UInt8]
    ) {
        self.realmID = realmID
        self.groupID = groupID
        self.configID = configID
        self.index = index
        self.previousHash = previousHash
        self.newRoot = newRoot
        self.rangeStart = rangeStart
        self.rangeEnd = rangeEnd
        self.leader = leader
        self.changes = changes
        self.mac = mac
    }

    /// Parses `encoded()`: nil for a short or long input, an unknown change kind, more than
    /// `maxChangesPerEntry` changes, a leaf over `maxLeafLength`, keys out of order, or trailing bytes.
    public init?(decoding bytes: [UInt8]) {
        guard bytes.count >= RealmLimits.entryFixedLength + 32, bytes.count <= RealmLimits.maxEntryLength else {
            return nil
        }
        var reader = RealmReader(bytes)
        guard let realm = reader.take(16), let group = reader.take(16), let config = reader.u32(),
            let index = reader.u64(), let previous = reader.take(32), let root = reader.take(32),
            let start = reader.take(32), let end = reader.take(32), let leader = reader.u8(),
            let count = reader.u16(), Int(count) <= RealmLimits.maxChangesPerEntry
        else { return nil }
        var changes: [RealmChange] = []
        for _ in 0..<Int(count) {
            guard let key = reader.take(32), let kind = reader.u8() else { return nil }
            if let last = changes.last, !lexicographicallyPrecedes(last.key, key) { return nil }
            switch kind {
            case 1:
                guard let length = reader.u16(), Int(length) <= RealmLimits.maxLeafLength,
                    let leaf = reader.take(Int(length))
                else { return nil }
                changes.append(RealmChange(key: key, leaf: leaf))
            case 2:
                changes.append(RealmChange(key: key, leaf: nil))
            default:
                return nil
            }
        }
        guard let mac = reader.take(32), reader.isAtEnd else { return nil }
        self.init(
            realmID: realm, groupID: group, configID: config, index: index, previousHash: previous, newRoot: root,
            rangeStart: start, rangeEnd: end, leader: leader, changes: changes, mac: mac)
    }
}

/// What a member returns once it has durably captured an entry: its vote for (index, entry hash).
public struct RealmStatement: Equatable, Sendable {
    /// Bytes on the wire.
    public static let length = 1 + 8 + 32 + 32

    public let member: UInt8
    public let index: UInt64
    public let entryHash: [UInt8]
    /// HMAC-SHA256 under the group key of `capture label ‖ realm ‖ group ‖ config ‖ member ‖ index ‖ hash`.
    public let mac: [UInt8]

    static func macInput(
        _ configuration: RealmGroupConfiguration, member: UInt8, index: UInt64, entryHash: [UInt8]
    ) -> [UInt8] {
        RealmLogLabel.capture + configuration.realmID + configuration.groupID + bigEndian(configuration.configID)
            + [member] + bigEndian(index) + entryHash
    }

    /// The statement of `member` for (`index`, `entryHash`).
    public static func make<Engine: CryptoEngine>(
        _ configuration: RealmGroupConfiguration, member: UInt8, index: UInt64, entryHash: [UInt8], macKey: [UInt8],
        engine: Engine
    ) -> RealmStatement {
        let mac = engine.hmacSHA256(
            key: macKey, message: macInput(configuration, member: member, index: index, entryHash: entryHash))
        return RealmStatement(member: member, index: index, entryHash: entryHash, mac: mac)
    }

    public init(member: UInt8, index: UInt64, entryHash: [UInt8], mac: [UInt8]) {
        self.member = member
        self.index = index
        self.entryHash = entryHash
        self.mac = mac
    }

    /// Whether a configured member of `configuration` made it.
    public func isAuthentic<Engine: CryptoEngine>(
        _ configuration: RealmGroupConfiguration, macKey: [UInt8], engine: Engine
    ) -> Bool {
        guard Int(member) < configuration.members.count, entryHash.count == 32, mac.count == 32 else { return false }
        let expected = engine.hmacSHA256(
            key: macKey, message: RealmStatement.macInput(configuration, member: member, index: index, entryHash: entryHash))
        return engine.constantTimeEqual(expected, mac)
    }

    public func encoded() -> [UInt8] { [member] + bigEndian(index) + entryHash + mac }

    public init?(decoding bytes: [UInt8]) {
        guard bytes.count == RealmStatement.length else { return nil }
        var reader = RealmReader(bytes)
        guard let member = reader.u8(), let index = reader.u64(), let hash = reader.take(32), let mac = reader.take(32)
        else { return nil }
        self.init(member: member, index: index, entryHash: hash, mac: mac)
    }
}

/// The last entry a member has durably captured: its index, hash and the tree root it names.
public struct RealmTail: Equatable, Sendable {
    public static let length = 8 + 32 + 32
    public let index: UInt64
    public let entryHash: [UInt8]
    public let root: [UInt8]

    public init(index: UInt64, entryHash: [UInt8], root: [UInt8]) {
        self.index = index
        self.entryHash = entryHash
        self.root = root
    }

    /// A group's tail before its first entry: index 0, the hash of its configuration, the empty tree.
    public static func genesis<Engine: CryptoEngine>(_ configuration: RealmGroupConfiguration, engine: Engine) -> RealmTail
    {
        RealmTail(
            index: 0, entryHash: engine.sha256(RealmLogLabel.genesis + configuration.encoded()),
            root: RecordTree().rootHash(engine))
    }

    public func encoded() -> [UInt8] { bigEndian(index) + entryHash + root }

    public init?(decoding bytes: [UInt8]) {
        guard bytes.count == RealmTail.length else { return nil }
        var reader = RealmReader(bytes)
        guard let index = reader.u64(), let hash = reader.take(32), let root = reader.take(32) else { return nil }
        self.init(index: index, entryHash: hash, root: root)
    }
}

/// A bounds-checked big-endian reader over a byte array.
struct RealmReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }
    var remaining: Int { bytes.count - offset }

    mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= bytes.count - offset else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func u8() -> UInt8? { take(1)?[0] }

    mutating func u16() -> UInt16? {
        guard let b = take(2) else { return nil }
        return UInt16(b[0]) << 8 | UInt16(b[1])
    }

    mutating func u32() -> UInt32? {
        guard let b = take(4) else { return nil }
        return UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }

    mutating func u64() -> UInt64? {
        guard let high = u32(), let low = u32() else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }
}
