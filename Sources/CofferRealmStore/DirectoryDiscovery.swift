import CofferCrypto
import Foundation
import Synchronization

/// Discovery in a `dir:` store: one file per registration under services/KIND/, holding the
/// record and the wall-clock time it expires at. Its owner rewrites it (temporary file, rename) a
/// third of the TTL before then; a reader skips and deletes the expired ones, which is how a
/// registration of a process that died disappears.
extension DirectoryRealmStore {
    public func register(_ record: ServiceRecord, ttlSeconds: Int) async throws(RealmStoreError) -> any ServiceLease {
        precondition(ttlSeconds >= 1, "a lease lasts at least a second")
        let lease = DirectoryServiceLease(store: self, record: record, ttlSeconds: ttlSeconds)
        try await DirectoryFiles.offload { () throws(RealmStoreError) in
            try DirectoryFiles.makeDirectory(self.servicesDirectory(record.kind))
            _ = try lease.renew(claiming: true)
        }
        lease.startRenewing()
        return lease
    }

    public func services(kind: String) async throws(RealmStoreError) -> [ServiceRecord] {
        let directory = servicesDirectory(kind)
        return try await DirectoryFiles.offload { () throws(RealmStoreError) -> [ServiceRecord] in
            let now = Registration.now()
            var records: [ServiceRecord] = []
            for name in try DirectoryFiles.names(in: directory).sorted() {
                let file = directory + "/" + name
                guard let registration = try Registration.read(file) else { continue }
                guard Hex.encode(Array(registration.name.utf8)) == name else {
                    throw .corrupt("\(file) registers \(registration.name), which is not the name its file is named for")
                }
                if registration.expiresAt < now {
                    try DirectoryFiles.remove(file)
                } else {
                    records.append(ServiceRecord(kind: kind, name: registration.name, address: registration.address))
                }
            }
            return records
        }
    }

    func servicesDirectory(_ kind: String) -> String {
        precondition(
            !kind.isEmpty && kind.utf8.allSatisfy { $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) },
            "a service kind is lower-case letters, digits and '-'"
        )
        return "\(path)/services/\(kind)"
    }

    func registrationPath(_ record: ServiceRecord) -> String {
        servicesDirectory(record.kind) + "/" + Hex.encode(Array(record.name.utf8))
    }
}

/// A registration file's contents. `token` tells this registration from a later one of the same
/// name (a restarted agent), so that the old lease's renewals and revoke leave the new one alone.
struct Registration: Codable, Equatable {
    var name: String
    var address: String
    /// Milliseconds since the Unix epoch (wall clock: the file outlives processes and reboots).
    var expiresAt: Int64
    var token: String

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// The registration in `file`, nil when the file is gone.
    static func read(_ file: String) throws(RealmStoreError) -> Registration? {
        guard let bytes = try DirectoryFiles.read(file) else { return nil }
        guard let registration = try? JSONDecoder().decode(Registration.self, from: Data(bytes)) else {
            throw .corrupt("\(file) is not a registration (JSON with name, address, expiresAt, token)")
        }
        return registration
    }
}

/// A `dir:` registration, rewritten with a later expiry every third of its TTL until revoked.
final class DirectoryServiceLease: ServiceLease {
    let store: DirectoryRealmStore
    let record: ServiceRecord
    let ttlSeconds: Int
    let token = Hex.encode(withUnsafeBytes(of: UInt64.random(in: .min ... .max)) { Array($0) })
    private let renewal = Mutex<Task<Void, Never>?>(nil)

    init(store: DirectoryRealmStore, record: ServiceRecord, ttlSeconds: Int) {
        self.store = store
        self.record = record
        self.ttlSeconds = ttlSeconds
    }

    /// Writes the registration with a fresh expiry, or returns false when a later registration of
    /// the same name took the file (then this one is superseded and renews no more). A file
    /// deleted as expired (this process was stopped past its TTL) is written again. `claiming`
    /// (the first write, at `register`) takes the name whoever holds it: an earlier holder that
    /// died without revoking (killed, its host lost) must not keep a restarted agent out of
    /// discovery until its TTL runs out, nor make the new lease give up for good.
    func renew(claiming: Bool = false) throws(RealmStoreError) -> Bool {
        let file = store.registrationPath(record)
        if !claiming, let current = try Registration.read(file), current.token != token { return false }
        let registration = Registration(
            name: record.name, address: record.address,
            expiresAt: Registration.now() + Int64(ttlSeconds) * 1000, token: token
        )
        let bytes = [UInt8](try! JSONEncoder().encode(registration))
        try DirectoryFiles.replace(bytes, at: file, temporary: store.temporaryPath())
        return true
    }

    func startRenewing() {
        let interval = Duration.milliseconds(ttlSeconds * 1000 / 3)
        renewal.withLock { task in
            task = Task { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { return }
                    // A failed renewal is tried again at the next tick; the TTL has room for two.
                    let renewed = try? await DirectoryFiles.offload { () throws(RealmStoreError) -> Bool in try self.renew() }
                    if renewed == false { return }
                }
            }
        }
    }

    /// Stops renewing and waits for a renewal under way to finish.
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
        let file = store.registrationPath(record)
        _ = try? await DirectoryFiles.offload { () throws(RealmStoreError) in
            guard let current = try Registration.read(file), current.token == self.token else { return }
            try DirectoryFiles.remove(file)
            try DirectoryFiles.syncDirectory(DirectoryFiles.parent(of: file))
        }
    }
}
