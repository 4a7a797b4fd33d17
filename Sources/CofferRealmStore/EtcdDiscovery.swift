import Foundation
import Synchronization

/// Discovery in an etcd store: a registration is a key under coffer/service/KIND/ attached to a lease
/// granted with its TTL. A task keeps the lease alive every third of the TTL; when the process dies
/// the lease runs out and etcd deletes the key. etcd raises a TTL below its minimum (1.5 election
/// timeouts, 2 s with the default timings) to that minimum.
extension EtcdRealmStore {
    public func register(_ record: ServiceRecord, ttlSeconds: Int) async throws(RealmStoreError) -> any ServiceLease {
        precondition(ttlSeconds >= 1, "a lease lasts at least a second")
        precondition(!record.kind.isEmpty && !record.kind.contains("/"), "a service kind is one key segment")
        let lease = EtcdServiceLease(store: self, record: record, ttlSeconds: ttlSeconds)
        try await lease.grantAndPut()
        lease.startRenewing()
        return lease
    }

    public func services(kind: String) async throws(RealmStoreError) -> [ServiceRecord] {
        let prefix = Self.servicePrefix(kind)
        let answer: RangeResponse = try await gateway.call("/v3/kv/range", [
            "key": Self.base64(prefix), "range_end": Self.base64(Self.prefixEnd(prefix)),
        ])
        try answer.check("services under \(prefix)")
        var records: [ServiceRecord] = []
        for pair in answer.kvs ?? [] {
            let (key, value) = try pair.decoded()
            records.append(ServiceRecord(kind: kind, name: String(key.dropFirst(prefix.count)), address: String(decoding: value, as: UTF8.self)))
        }
        return records
    }

    static func servicePrefix(_ kind: String) -> String { "coffer/service/\(kind)/" }
}

/// A lease and the key under it, kept alive until revoked. A lease found gone at a renewal (this
/// process was stopped past its TTL) is granted anew and the key put again.
final class EtcdServiceLease: ServiceLease {
    let store: EtcdRealmStore
    let record: ServiceRecord
    let ttlSeconds: Int
    /// The current lease's ID (as etcd writes it, a decimal string) and the TTL etcd granted.
    private let current = Mutex<(id: String, grantedTTL: Int)?>(nil)
    private let renewal = Mutex<Task<Void, Never>?>(nil)

    init(store: EtcdRealmStore, record: ServiceRecord, ttlSeconds: Int) {
        self.store = store
        self.record = record
        self.ttlSeconds = ttlSeconds
    }

    /// The lease's ID, for tests and logs.
    var leaseID: String? { current.withLock { $0?.id } }

    /// Grants a lease and puts the record's key under it.
    func grantAndPut() async throws(RealmStoreError) {
        let granted: LeaseGrantResponse = try await store.gateway.call("/v3/lease/grant", ["TTL": String(ttlSeconds)])
        try granted.check("lease grant")
        guard let id = granted.ID, let ttl = Int(granted.TTL ?? "") else {
            throw .unavailable("etcd granted a lease without an ID or TTL")
        }
        let key = EtcdRealmStore.servicePrefix(record.kind) + record.name
        let put: PutResponse = try await store.gateway.call("/v3/kv/put", [
            "key": EtcdRealmStore.base64(key), "value": Data(record.address.utf8).base64EncodedString(), "lease": id,
        ])
        try put.check("put of \(key)")
        current.withLock { $0 = (id, ttl) }
    }

    /// Renews the lease once; false when etcd no longer knows it.
    func keepAlive() async throws(RealmStoreError) -> Bool {
        guard let id = leaseID else { return false }
        let answer = try await store.gateway.callOrRefusal("/v3/lease/keepalive", ["ID": id], as: KeepAliveResponse.self)
        switch answer {
        case .success(let response): return Int(response.result?.TTL ?? "0") ?? 0 > 0
        case .failure(let refusal) where refusal.isNotFound: return false
        case .failure(let refusal): throw .unavailable("etcd refused the keep-alive of lease \(id): \(refusal)")
        }
    }

    func startRenewing() {
        let interval = Duration.milliseconds(max(current.withLock { $0?.grantedTTL ?? ttlSeconds }, 1) * 1000 / 3)
        renewal.withLock { task in
            task = Task { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { return }
                    // A failed renewal is tried again at the next tick; the TTL has room for two.
                    if (try? await keepAlive()) == false, !Task.isCancelled { try? await grantAndPut() }
                }
            }
        }
    }

    /// Stops renewing (the lease then runs out, as when the process dies) and waits for a renewal
    /// under way to finish.
    func stopRenewing() async {
        let task = renewal.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
    }

    func revoke() async {
        await stopRenewing()
        guard let id = leaseID else { return }
        // If etcd cannot be reached now, the lease runs out by itself within its TTL.
        _ = try? await store.gateway.callOrRefusal("/v3/lease/revoke", ["ID": id], as: RevokeResponse.self)
    }
}

struct LeaseGrantResponse: EtcdAnswer {
    let header: EtcdHeader?
    let ID: String?
    let TTL: String?
}

struct PutResponse: EtcdAnswer {
    let header: EtcdHeader?
}

struct RevokeResponse: EtcdAnswer {
    let header: EtcdHeader?
}

/// The keep-alive call is a stream in gRPC; the gateway answers one request with one `result`.
struct KeepAliveResponse: Decodable {
    struct Result: Decodable {
        let ID: String?
        /// Absent (0) when the lease is gone.
        let TTL: String?
    }

    let result: Result?
}
