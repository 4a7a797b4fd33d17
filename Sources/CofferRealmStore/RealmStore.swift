// The realm's store (../shared/REALM.md "What the store must offer (and nothing more)"): a log per
// group with a conditional append, content-addressed blobs, and discovery under leases. The store
// is untrusted for secrecy and integrity: members check every entry's MAC and every proof against
// their own tail, so a store can only withhold, never forge. Backends: `dir:PATH` and
// `etcd://HOST:PORT[,HOST:PORT...]`.

/// A group's name in the store: its 16-byte group id, as lower-case hex.
public struct RealmGroupName: Hashable, Sendable, CustomStringConvertible {
    public let hex: String

    /// The name of group `id` (16 bytes).
    public init(id: [UInt8]) {
        precondition(id.count == 16, "a group id is 16 bytes")
        hex = id.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }

    public var description: String { hex }
}

/// One log entry as the store holds it: its index and its wire bytes (RealmLogEntry's codec).
public struct StoredEntry: Equatable, Sendable {
    public let index: UInt64
    public let bytes: [UInt8]

    public init(index: UInt64, bytes: [UInt8]) {
        self.index = index
        self.bytes = bytes
    }
}

/// A service registered in discovery: its kind ("agent", "frontend"), its name inside that kind
/// (an agent: "GROUPHEX/MEMBER-ID"), and where it listens (a URL).
public struct ServiceRecord: Equatable, Sendable {
    public let kind: String
    public let name: String
    public let address: String

    public init(kind: String, name: String, address: String) {
        self.kind = kind
        self.name = name
        self.address = address
    }
}

/// What a store refuses, and why, in words an operator can act on.
public enum RealmStoreError: Error, Equatable, CustomStringConvertible {
    /// The store cannot be reached or answered something it should not have.
    case unavailable(String)
    /// A value in the store is not what this format writes (a name, a length): says what and where.
    case corrupt(String)
    /// The address (`dir:PATH`, `etcd://...`) is not one this build knows.
    case invalidAddress(String, reason: String)

    public var description: String {
        switch self {
        case .unavailable(let what): "store unavailable: \(what)"
        case .corrupt(let what): "store holds something this format never writes: \(what)"
        case .invalidAddress(let address, let reason): "invalid store address \(address): \(reason)"
        }
    }
}

/// A registration in discovery, kept alive until `revoke()` (or until its process dies and its lease
/// runs out).
public protocol ServiceLease: Sendable {
    /// Withdraws the registration now (on SIGTERM, before exit).
    func revoke() async
}

/// The store interface of REALM.md, and nothing more.
public protocol RealmStore: Sendable {
    /// Conditional append: puts entry `index` of `group` only if the group has no entry `index`.
    /// Returns false when the index is taken (whoever took it). Durable before it returns true.
    func append(group: RealmGroupName, index: UInt64, entry: [UInt8]) async throws(RealmStoreError) -> Bool

    /// Entries of `group` from `index` on, in index order, at most `limit` of them; stops at the
    /// first missing index.
    func read(group: RealmGroupName, from index: UInt64, limit: Int) async throws(RealmStoreError) -> [StoredEntry]

    /// The highest index `group` holds, 0 when its log is empty.
    func lastIndex(group: RealmGroupName) async throws(RealmStoreError) -> UInt64

    /// Puts a content-addressed blob (a tree node, a sealed leaf) under its name: SHA-256 of its
    /// bytes, which the caller computed. Idempotent.
    func putBlob(name: [UInt8], bytes: [UInt8]) async throws(RealmStoreError)

    /// The blob named `name`, nil when absent.
    func getBlob(name: [UInt8]) async throws(RealmStoreError) -> [UInt8]?

    /// Deletes blobs no root at or above the lowest captured index refers to (the caller's choice).
    func deleteBlobs(names: [[UInt8]]) async throws(RealmStoreError)

    /// Registers `record` in discovery under a lease of `ttlSeconds`, renewed until revoked.
    func register(_ record: ServiceRecord, ttlSeconds: Int) async throws(RealmStoreError) -> any ServiceLease

    /// Every live registration of `kind`.
    func services(kind: String) async throws(RealmStoreError) -> [ServiceRecord]
}
