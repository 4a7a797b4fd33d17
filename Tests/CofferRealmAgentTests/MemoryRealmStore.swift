// A RealmStore in memory, for these tests only (the real backends, `dir:` and `etcd://`, live in
// CofferRealmStore). It keeps the contract of RealmStore.swift: a conditional append per group,
// reads stopping at the first gap, idempotent blobs, and discovery records until revoked.

import CofferRealmStore
import Foundation

actor MemoryRealmStore: RealmStore {
    private var logs: [RealmGroupName: [UInt64: [UInt8]]] = [:]
    private var blobs: [[UInt8]: [UInt8]] = [:]
    private var records: [Int: ServiceRecord] = [:]
    private var nextLease = 0
    /// Appends that found their index taken (a lost race), for tests that count them.
    private(set) var refusedAppends = 0

    func append(group: RealmGroupName, index: UInt64, entry: [UInt8]) async throws(RealmStoreError) -> Bool {
        guard logs[group]?[index] == nil else {
            refusedAppends += 1
            return false
        }
        logs[group, default: [:]][index] = entry
        return true
    }

    func read(group: RealmGroupName, from index: UInt64, limit: Int) async throws(RealmStoreError) -> [StoredEntry] {
        var out: [StoredEntry] = []
        var next = max(index, 1)
        while out.count < limit, let bytes = logs[group]?[next] {
            out.append(StoredEntry(index: next, bytes: bytes))
            next += 1
        }
        return out
    }

    func lastIndex(group: RealmGroupName) async throws(RealmStoreError) -> UInt64 {
        var index: UInt64 = 0
        while logs[group]?[index + 1] != nil { index += 1 }
        return index
    }

    func putBlob(name: [UInt8], bytes: [UInt8]) async throws(RealmStoreError) {
        if let left = blobPutsLeft {
            guard left > 0 else { throw .unavailable("a blob put failed (injected)") }
            blobPutsLeft = left - 1
        }
        blobs[name] = bytes
    }

    /// When set, `putBlob` succeeds this many more times and then fails: a store lost mid-write.
    private var blobPutsLeft: Int?

    func failBlobPuts(after count: Int?) { blobPutsLeft = count }

    func getBlob(name: [UInt8]) async throws(RealmStoreError) -> [UInt8]? { blobs[name] }

    func deleteBlobs(names: [[UInt8]]) async throws(RealmStoreError) {
        for name in names { blobs[name] = nil }
    }

    func register(_ record: ServiceRecord, ttlSeconds: Int) async throws(RealmStoreError) -> any ServiceLease {
        nextLease += 1
        records[nextLease] = record
        return MemoryLease(store: self, id: nextLease)
    }

    func services(kind: String) async throws(RealmStoreError) -> [ServiceRecord] {
        records.sorted { $0.key < $1.key }.map(\.value).filter { $0.kind == kind }
    }

    func revoke(_ id: Int) { records[id] = nil }

    /// The entry bytes at `index` of `group`.
    func entry(group: RealmGroupName, index: UInt64) -> [UInt8]? { logs[group]?[index] }
}

final class MemoryLease: ServiceLease {
    let store: MemoryRealmStore
    let id: Int

    init(store: MemoryRealmStore, id: Int) {
        self.store = store
        self.id = id
    }

    func revoke() async { await store.revoke(id) }
}
