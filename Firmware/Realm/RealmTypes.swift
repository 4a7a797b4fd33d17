// What every part of realm mode shares (../shared/REALM.md): the realm's secrets and the keys
// derived from them, and a group's fixed configuration. A realm member holds the secrets only in
// RAM and in pages sealed under its own device key; nothing here ever leaves a member in the clear.

import OPAQUE

/// HKDF labels of the realm key schedule (docs/PROTOCOL.md, "Realm keys"). Extend-only.
public enum RealmKeyLabel {
    /// HKDF salt for every key derived from the realm root secret.
    public static let salt: [UInt8] = Array("coffer/realm/v1".utf8)
    /// OPAQUE oprf_seed of the realm, `Nh` bytes.
    public static let oprfSeed: [UInt8] = Array("coffer/realm/v1/oprf-seed".utf8)
    /// Seed of the realm's OPAQUE AKE key pair.
    public static let akeSeed: [UInt8] = Array("coffer/realm/v1/ake-key-seed".utf8)
    /// Key from which the sealing key of each leaf version is derived.
    public static let recordSealing: [UInt8] = Array("coffer/realm/v1/record-sealing-key".utf8)
    /// MAC key of log entries and captured statements.
    public static let groupMAC: [UInt8] = Array("coffer/realm/v1/group-mac-key".utf8)
    /// HMAC key that turns a record id into its tree key, so the store never sees ids.
    public static let recordIndex: [UInt8] = Array("coffer/realm/v1/record-index-key".utf8)
    /// Key of fake records for unknown ids.
    public static let fakeRecord: [UInt8] = Array("coffer/realm/v1/fake-record-key".utf8)
}

/// The realm's secrets: one 32-byte root, generated inside one member and exported only to the
/// members of the draft (the ceremony); every working key is HKDF-SHA256 of it under its own label.
public struct RealmSecrets {
    /// Bytes of the root secret.
    public static let rootLength = 32

    /// The root secret; the only value the ceremony moves between members.
    public let root: SecretBytes
    /// OPAQUE oprf_seed (`Nh` bytes of the suite).
    public let oprfSeed: SecretBytes
    /// Seed of the realm's OPAQUE AKE key pair.
    public let akeSeed: SecretBytes
    /// Derives each leaf version's sealing key.
    public let recordSealingKey: SecretBytes
    /// MACs log entries ("entry") and captured statements ("capture").
    public let groupMACKey: SecretBytes
    /// Turns record ids into tree keys.
    public let recordIndexKey: SecretBytes
    /// Seeds fake records for unknown ids.
    public let fakeRecordKey: SecretBytes

    /// Derives every key from `root` with the engine's HKDF-SHA256; `hashLength` is the suite's `Nh`.
    public init<Engine: CryptoEngine>(root: [UInt8], engine: Engine) {
        precondition(root.count == RealmSecrets.rootLength, "realm root secret must be 32 bytes")
        func derive(_ label: [UInt8], _ length: Int) -> SecretBytes {
            SecretBytes(engine.hkdf(ikm: root, salt: RealmKeyLabel.salt, info: label, length: length))
        }
        self.root = SecretBytes(root)
        oprfSeed = derive(RealmKeyLabel.oprfSeed, engine.suite.hashLength)
        akeSeed = derive(RealmKeyLabel.akeSeed, 32)
        recordSealingKey = derive(RealmKeyLabel.recordSealing, 32)
        groupMACKey = derive(RealmKeyLabel.groupMAC, 32)
        recordIndexKey = derive(RealmKeyLabel.recordIndex, 32)
        fakeRecordKey = derive(RealmKeyLabel.fakeRecord, 32)
    }
}

/// A group's configuration. It never changes (REALM.md "Words"): membership changes by making a new
/// group, so every message carries `configID` and a member refuses any other.
public struct RealmGroupConfiguration: Equatable, Sendable {
    /// Bytes of realm and group ids.
    public static let idLength = 16
    /// Bytes of a member identity key (compressed SEC1 P-256).
    public static let memberKeyLength = 33
    /// Most members a group may have.
    public static let maxMembers = 7

    /// The realm.
    public let realmID: [UInt8]
    /// The group inside the realm.
    public let groupID: [UInt8]
    /// Which configuration of the group; never reused.
    public let configID: UInt32
    /// The members' identity public keys; a member's id is its index here.
    public let members: [[UInt8]]
    /// First and last tree key (32 bytes each, inclusive) of the record-key range the group owns.
    public let rangeStart: [UInt8]
    public let rangeEnd: [UInt8]

    /// The whole key space.
    public static let fullRangeStart = [UInt8](repeating: 0x00, count: 32)
    public static let fullRangeEnd = [UInt8](repeating: 0xFF, count: 32)

    /// Nil unless the ids have `idLength` bytes, there are 1...7 members (odd) with distinct
    /// 33-byte keys, and the range is 32-byte bounds in order.
    public init?(
        realmID: [UInt8], groupID: [UInt8], configID: UInt32, members: [[UInt8]],
        rangeStart: [UInt8] = RealmGroupConfiguration.fullRangeStart,
        rangeEnd: [UInt8] = RealmGroupConfiguration.fullRangeEnd
    ) {
        guard realmID.count == Self.idLength, groupID.count == Self.idLength,
            (1...Self.maxMembers).contains(members.count), members.count % 2 == 1,
            members.allSatisfy({ $0.count == Self.memberKeyLength }),
            rangeStart.count == 32, rangeEnd.count == 32, !lexicographicallyPrecedes(rangeEnd, rangeStart)
        else { return nil }
        for i in members.indices {
            for j in members.indices where j > i && members[i] == members[j] { return nil }
        }
        self.realmID = realmID
        self.groupID = groupID
        self.configID = configID
        self.members = members
        self.rangeStart = rangeStart
        self.rangeEnd = rangeEnd
    }

    /// Statements needed to commit: a majority of the members.
    public var quorum: Int { members.count / 2 + 1 }

    /// The member id of `identityKey`, or nil when it is not a member.
    public func memberID(of identityKey: [UInt8]) -> Int? { members.firstIndex(of: identityKey) }

    /// Whether the group owns tree key `key`.
    public func owns(_ key: [UInt8]) -> Bool {
        !lexicographicallyPrecedes(key, rangeStart) && !lexicographicallyPrecedes(rangeEnd, key)
    }

    /// realm ‖ group ‖ config id (u32 BE) ‖ member count ‖ keys ‖ range start ‖ range end.
    public func encoded() -> [UInt8] {
        var out = realmID + groupID
        out += bigEndian(configID)
        out.append(UInt8(members.count))
        for key in members { out += key }
        return out + rangeStart + rangeEnd
    }

    /// Parses `encoded()`; nil for anything else (wrong length, trailing bytes, invalid fields).
    public init?(encoded bytes: [UInt8]) {
        let fixed = 2 * Self.idLength + 4 + 1
        guard bytes.count >= fixed else { return nil }
        let count = Int(bytes[fixed - 1])
        guard count <= Self.maxMembers, bytes.count == fixed + count * Self.memberKeyLength + 64 else { return nil }
        var members: [[UInt8]] = []
        for i in 0..<count {
            let start = fixed + i * Self.memberKeyLength
            members.append(Array(bytes[start..<start + Self.memberKeyLength]))
        }
        let rangeAt = fixed + count * Self.memberKeyLength
        self.init(
            realmID: Array(bytes[0..<16]), groupID: Array(bytes[16..<32]),
            configID: UInt32(bytes[32]) << 24 | UInt32(bytes[33]) << 16 | UInt32(bytes[34]) << 8 | UInt32(bytes[35]),
            members: members, rangeStart: Array(bytes[rangeAt..<rangeAt + 32]),
            rangeEnd: Array(bytes[rangeAt + 32..<rangeAt + 64]))
    }
}

/// Big-endian bytes of `value`.
@inline(__always)
func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
     UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
}

/// Big-endian bytes of `value`.
@inline(__always)
func bigEndian(_ value: UInt64) -> [UInt8] {
    bigEndian(UInt32(truncatingIfNeeded: value >> 32)) + bigEndian(UInt32(truncatingIfNeeded: value))
}

/// Unsigned byte-string order (`a < b`), for equal-length keys.
@inline(__always)
func lexicographicallyPrecedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    for i in 0..<min(a.count, b.count) where a[i] != b[i] { return a[i] < b[i] }
    return a.count < b.count
}
