import CofferCrypto
import Foundation
import NIOCore

/// The `etcd://HOST:PORT[,...]` store: one etcd 3.4 cluster, through its v3 JSON gateway.
///
///     coffer/log/GROUPHEX/INDEX      entry INDEX (20 decimal digits, so keys sort as numbers) of a log
///     coffer/blob/NAMEHEX            a blob, named by the SHA-256 of its bytes
///     coffer/service/KIND/NAME       a registration's address, under the registration's lease
///
/// The conditional append is one transaction: put the entry's key if its create_revision is 0
/// (no such key). etcd commits it through its Raft log, fsynced by a majority, before it answers.
public final class EtcdRealmStore: RealmStore {
    let gateway: EtcdGateway

    /// A store on `endpoints`. `requestTimeout` bounds one HTTP request; `retryWindow` how long a
    /// call tries other endpoints before the store says it is unavailable.
    public init(endpoints: [EtcdEndpoint], requestTimeout: Duration = .seconds(10), retryWindow: Duration = .seconds(15)) {
        let (seconds, attoseconds) = requestTimeout.components
        gateway = EtcdGateway(
            endpoints: endpoints,
            requestTimeout: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000),
            retryWindow: retryWindow
        )
    }

    public var endpoints: [EtcdEndpoint] { gateway.endpoints }

    // MARK: The log

    public func append(group: RealmGroupName, index: UInt64, entry: [UInt8]) async throws(RealmStoreError) -> Bool {
        let key = Self.base64(entryKey(group, index))
        let answer: TxnResponse = try await gateway.call("/v3/kv/txn", [
            "compare": [["key": key, "target": "CREATE", "result": "EQUAL", "create_revision": "0"]],
            "success": [["request_put": ["key": key, "value": Data(entry).base64EncodedString()]]],
        ])
        try answer.check("append to \(entryKey(group, index))")
        return answer.succeeded ?? false
    }

    public func read(group: RealmGroupName, from index: UInt64, limit: Int) async throws(RealmStoreError) -> [StoredEntry] {
        guard limit > 0 else { return [] }
        let prefix = logPrefix(group)
        let answer: RangeResponse = try await gateway.call("/v3/kv/range", [
            "key": Self.base64(entryKey(group, index)),
            "range_end": Self.base64(Self.prefixEnd(prefix)),
            "limit": String(limit),
        ])
        try answer.check("read of \(prefix)")
        var entries: [StoredEntry] = []
        for pair in answer.kvs ?? [] {
            let (key, value) = try pair.decoded()
            let found = try Self.index(in: key, under: prefix)
            guard found == index + UInt64(entries.count) else { break }
            entries.append(StoredEntry(index: found, bytes: value))
            if found == UInt64.max { break }
        }
        return entries
    }

    public func lastIndex(group: RealmGroupName) async throws(RealmStoreError) -> UInt64 {
        let prefix = logPrefix(group)
        let answer: RangeResponse = try await gateway.call("/v3/kv/range", [
            "key": Self.base64(prefix),
            "range_end": Self.base64(Self.prefixEnd(prefix)),
            "sort_order": "DESCEND", "sort_target": "KEY", "limit": "1", "keys_only": true,
        ])
        try answer.check("last index of \(prefix)")
        guard let last = answer.kvs?.first else { return 0 }
        return try Self.index(in: try last.decodedKey(), under: prefix)
    }

    // MARK: Blobs

    public func putBlob(name: [UInt8], bytes: [UInt8]) async throws(RealmStoreError) {
        let key = Self.base64(blobKey(name))
        // Put only if absent: a blob's bytes never change, and etcd keeps no second revision.
        let answer: TxnResponse = try await gateway.call("/v3/kv/txn", [
            "compare": [["key": key, "target": "CREATE", "result": "EQUAL", "create_revision": "0"]],
            "success": [["request_put": ["key": key, "value": Data(bytes).base64EncodedString()]]],
        ])
        try answer.check("put of \(blobKey(name))")
    }

    public func getBlob(name: [UInt8]) async throws(RealmStoreError) -> [UInt8]? {
        let key = blobKey(name)
        let answer: RangeResponse = try await gateway.call("/v3/kv/range", ["key": Self.base64(key)])
        try answer.check("get of \(key)")
        guard let pair = answer.kvs?.first else { return nil }
        let (_, bytes) = try pair.decoded()
        let digest = SHA256.hash(bytes)
        guard digest == name else {
            throw .corrupt("etcd key \(key): its bytes hash to \(Hex.encode(digest)), not to its name")
        }
        return bytes
    }

    public func deleteBlobs(names: [[UInt8]]) async throws(RealmStoreError) {
        // etcd takes at most 128 operations per transaction (--max-txn-ops).
        for start in stride(from: 0, to: names.count, by: 128) {
            let deletes = names[start..<min(start + 128, names.count)].map { name in
                ["request_delete_range": ["key": Self.base64(blobKey(name))]]
            }
            let answer: TxnResponse = try await gateway.call("/v3/kv/txn", ["success": deletes])
            try answer.check("delete of \(deletes.count) blobs")
        }
    }

    // MARK: Keys

    func logPrefix(_ group: RealmGroupName) -> String { "coffer/log/\(group.hex)/" }

    func entryKey(_ group: RealmGroupName, _ index: UInt64) -> String {
        let digits = String(index)
        return logPrefix(group) + String(repeating: "0", count: 20 - digits.count) + digits
    }

    func blobKey(_ name: [UInt8]) -> String {
        precondition(name.count == 32, "a blob's name is its SHA-256 (32 bytes)")
        return "coffer/blob/\(Hex.encode(name))"
    }

    /// The entry index a log key names; anything else under the prefix is not this format's.
    static func index(in key: String, under prefix: String) throws(RealmStoreError) -> UInt64 {
        let suffix = key.dropFirst(prefix.count)
        guard key.hasPrefix(prefix), suffix.utf8.count == 20, let index = UInt64(suffix) else {
            throw .corrupt("etcd key \(key) is not an entry key (\(prefix) and 20 decimal digits)")
        }
        return index
    }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// The first key after every key that starts with `prefix` (its last byte plus one; our
    /// prefixes end in "/").
    static func prefixEnd(_ prefix: String) -> String {
        var bytes = Array(prefix.utf8)
        bytes[bytes.count - 1] += 1
        return String(decoding: bytes, as: UTF8.self)
    }
}

// MARK: The gateway's answers (only the fields used; etcd leaves out fields at their default)

/// Every answer carries a header; an object without one is not an answer to the request.
protocol EtcdAnswer: Decodable {
    var header: EtcdHeader? { get }
}

extension EtcdAnswer {
    func check(_ what: String) throws(RealmStoreError) {
        guard header != nil else { throw .unavailable("etcd answered the \(what) without a header") }
    }
}

struct EtcdHeader: Decodable {
    let revision: String?
}

struct TxnResponse: EtcdAnswer {
    let header: EtcdHeader?
    /// Absent when false (the comparison failed).
    let succeeded: Bool?
}

struct RangeResponse: EtcdAnswer {
    let header: EtcdHeader?
    let kvs: [EtcdKeyValue]?
}

struct EtcdKeyValue: Decodable {
    let key: String
    let value: String?

    func decodedKey() throws(RealmStoreError) -> String {
        guard let bytes = Data(base64Encoded: key) else { throw .unavailable("etcd sent a key that is not base64: \(key)") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The key as text and the value's bytes (an empty value is left out by etcd).
    func decoded() throws(RealmStoreError) -> (String, [UInt8]) {
        let key = try decodedKey()
        guard let bytes = Data(base64Encoded: value ?? "") else { throw .unavailable("etcd sent a value that is not base64 at \(key)") }
        return (key, [UInt8](bytes))
    }
}
