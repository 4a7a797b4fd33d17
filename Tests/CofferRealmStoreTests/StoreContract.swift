import CofferCrypto
@testable import CofferRealmStore
import XCTest

/// The store contract of REALM.md ("What the store must offer"), one function per clause, run by
/// DirectoryRealmStoreTests and EtcdRealmStoreTests against their backend.
struct StoreContract {
    /// A fresh handle on the same store each call (as another agent process would open it).
    let open: () throws -> any RealmStore
    /// Replaces the bytes stored under blob `name` behind the store's back.
    let tamperBlob: (_ store: any RealmStore, _ name: [UInt8], _ bytes: [UInt8]) async throws -> Void
    /// Distinguishes this test's groups and service kinds from other tests' on a shared store.
    let label: String

    /// A group name of this test, deterministic (SHA-256 of the label and `tag`).
    func group(_ tag: String = "") -> RealmGroupName {
        RealmGroupName(id: Array(SHA256.hash(Array("\(label)/\(tag)".utf8)).prefix(16)))
    }

    /// A service kind of this test: lower-case letters, digits and '-'.
    func kind(_ tag: String) -> String {
        "\(tag)-" + Hex.encode(SHA256.hash(Array(label.utf8)).prefix(4))
    }

    func appendThenRead() async throws {
        let store = try open()
        let group = group()
        let emptyLast = try await store.lastIndex(group: group)
        XCTAssertEqual(emptyLast, 0, "an empty log's last index is 0")
        let emptyRead = try await store.read(group: group, from: 1, limit: 10)
        XCTAssertEqual(emptyRead, [])
        for index in UInt64(1)...3 {
            let appended = try await store.append(group: group, index: index, entry: Array("entry \(index)".utf8))
            XCTAssertTrue(appended, "append at free index \(index)")
        }
        let entries = try await open().read(group: group, from: 1, limit: 10)
        XCTAssertEqual(entries, (1...3).map { StoredEntry(index: UInt64($0), bytes: Array("entry \($0)".utf8)) })
        let second = try await store.read(group: group, from: 2, limit: 1)
        XCTAssertEqual(second, [StoredEntry(index: 2, bytes: Array("entry 2".utf8))])
        let last = try await store.lastIndex(group: group)
        XCTAssertEqual(last, 3)
        let otherLast = try await store.lastIndex(group: self.group("other"))
        XCTAssertEqual(otherLast, 0, "logs of groups are apart")
    }

    func secondAppendRefused() async throws {
        let store = try open()
        let group = group()
        let first = try await store.append(group: group, index: 1, entry: [1, 1, 1])
        let second = try await open().append(group: group, index: 1, entry: [2, 2, 2])
        XCTAssertTrue(first)
        XCTAssertFalse(second, "index 1 is taken: the second append must be refused")
        let kept = try await store.read(group: group, from: 1, limit: 5)
        XCTAssertEqual(kept, [StoredEntry(index: 1, bytes: [1, 1, 1])],
                       "the refused append changed nothing")
    }

    func readsStopAtGaps() async throws {
        let store = try open()
        let group = group()
        for index: UInt64 in [1, 2, 4, 5] {
            let appended = try await store.append(group: group, index: index, entry: [UInt8(index)])
            XCTAssertTrue(appended)
        }
        let beforeGap = try await store.read(group: group, from: 1, limit: 10).map(\.index)
        XCTAssertEqual(beforeGap, [1, 2], "stops before the gap at 3")
        let atGap = try await store.read(group: group, from: 3, limit: 10)
        XCTAssertEqual(atGap, [], "a read from a missing index is empty")
        let afterGap = try await store.read(group: group, from: 4, limit: 10).map(\.index)
        XCTAssertEqual(afterGap, [4, 5])
        let limited = try await store.read(group: group, from: 4, limit: 1).map(\.index)
        XCTAssertEqual(limited, [4], "limit holds")
        let none = try await store.read(group: group, from: 1, limit: 0)
        XCTAssertEqual(none, [])
        let last = try await store.lastIndex(group: group)
        XCTAssertEqual(last, 5, "the highest index, gaps or not")
    }

    /// `appenders` handles race at each of `indices` indices; at each, exactly one wins and the
    /// stored entry is the winner's.
    func concurrentAppendersOneWins(appenders: Int = 16, indices: UInt64 = 20) async throws {
        let group = group()
        let stores = try (0..<appenders).map { _ in try open() }
        for index in UInt64(1)...indices {
            let winners = try await withThrowingTaskGroup(of: (Int, Bool).self) { tasks in
                for (appender, store) in stores.enumerated() {
                    tasks.addTask { (appender, try await store.append(group: group, index: index, entry: [UInt8(appender), UInt8(index)])) }
                }
                var winners: [Int] = []
                for try await (appender, won) in tasks where won { winners.append(appender) }
                return winners
            }
            XCTAssertEqual(winners.count, 1, "index \(index): exactly one of \(appenders) appenders wins, not \(winners)")
            guard let winner = winners.first else { continue }
            let stored = try await stores[0].read(group: group, from: index, limit: 1)
            XCTAssertEqual(stored, [StoredEntry(index: index, bytes: [UInt8(winner), UInt8(index)])], "the store holds the winner's entry")
        }
    }

    func blobsRoundTrip() async throws {
        let store = try open()
        let bytes = Array("a tree node of \(label)".utf8)
        let name = SHA256.hash(bytes)
        let before = try await store.getBlob(name: name)
        XCTAssertNil(before, "absent before put")
        try await store.putBlob(name: name, bytes: bytes)
        try await store.putBlob(name: name, bytes: bytes)
        let readBack = try await open().getBlob(name: name)
        XCTAssertEqual(readBack, bytes, "put twice, read back once")
        let other = Array("another node of \(label)".utf8)
        try await store.putBlob(name: SHA256.hash(other), bytes: other)
        try await store.deleteBlobs(names: [name])
        let deleted = try await store.getBlob(name: name)
        XCTAssertNil(deleted, "deleted")
        let survivor = try await store.getBlob(name: SHA256.hash(other))
        XCTAssertEqual(survivor, other, "a blob not named stays")
        try await store.deleteBlobs(names: [name])
    }

    func corruptBlobRefusedWithName() async throws {
        let store = try open()
        let bytes = Array("a sealed leaf of \(label)".utf8)
        let name = SHA256.hash(bytes)
        try await store.putBlob(name: name, bytes: bytes)
        var tampered = bytes
        tampered[0] ^= 1
        try await tamperBlob(store, name, tampered)
        do {
            let read = try await store.getBlob(name: name)
            XCTFail("a blob whose bytes do not hash to its name was returned: \(String(describing: read))")
        } catch {
            guard case .corrupt(let what) = error else { return XCTFail("expected .corrupt, got \(error)") }
            XCTAssertTrue(what.contains(Hex.encode(name)), "the refusal names the blob: \(what)")
        }
    }

    /// Registrations are listed by kind, and one disappears when revoked.
    func registrationsByKindAndRevoke() async throws {
        let store = try open()
        let agents = kind("agent")
        let frontends = kind("frontend")
        let first = try await store.register(ServiceRecord(kind: agents, name: "g1/m1", address: "udp://127.0.0.1:1"), ttlSeconds: 30)
        let second = try await store.register(ServiceRecord(kind: agents, name: "g1/m2", address: "udp://127.0.0.1:2"), ttlSeconds: 30)
        let frontend = try await store.register(ServiceRecord(kind: frontends, name: "f1", address: "https://127.0.0.1:3"), ttlSeconds: 30)
        let listed = try await open().services(kind: agents).sorted { $0.name < $1.name }
        XCTAssertEqual(listed, [
            ServiceRecord(kind: agents, name: "g1/m1", address: "udp://127.0.0.1:1"),
            ServiceRecord(kind: agents, name: "g1/m2", address: "udp://127.0.0.1:2"),
        ])
        let frontendNames = try await store.services(kind: frontends).map(\.name)
        XCTAssertEqual(frontendNames, ["f1"])
        await first.revoke()
        let agentNames = try await store.services(kind: agents).map(\.name)
        XCTAssertEqual(agentNames, ["g1/m2"], "a revoked registration is gone at once")
        await second.revoke()
        await frontend.revoke()
        let agentsLeft = try await store.services(kind: agents)
        XCTAssertEqual(agentsLeft, [])
    }

    /// A registration whose renewals stop (its process died) disappears once its TTL has passed;
    /// polled against a deadline. `abandon` stops the renewals without revoking.
    func registrationExpiresWithoutRenewal(ttlSeconds: Int, abandon: (any ServiceLease) async -> Void) async throws {
        let store = try open()
        let kind = kind("expiring")
        let kept = try await store.register(ServiceRecord(kind: kind, name: "kept", address: "a"), ttlSeconds: ttlSeconds)
        let dying = try await store.register(ServiceRecord(kind: kind, name: "dying", address: "b"), ttlSeconds: ttlSeconds)
        let registered = Set(try await store.services(kind: kind).map(\.name))
        XCTAssertEqual(registered, ["kept", "dying"])
        await abandon(dying)
        let deadline = Date().addingTimeInterval(Double(ttlSeconds) * 10 + 10)
        var names = Set(try await store.services(kind: kind).map(\.name))
        while names.contains("dying") && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            names = Set(try await store.services(kind: kind).map(\.name))
        }
        XCTAssertEqual(names, ["kept"], "the abandoned registration expired; the renewed one lived on past its TTL")
        await kept.revoke()
    }

    /// A holder that died without revoking (renewals stopped by `abandon`) does not keep a later
    /// registration of its name out: the new address is listed at once and stays listed past the old
    /// registration's TTL (a restarted agent must be found by its peers).
    func laterRegistrationTakesTheNameFromADeadHolder(ttlSeconds: Int, abandon: (any ServiceLease) async -> Void) async throws {
        let store = try open()
        let kind = kind("restarted")
        let dead = try await store.register(ServiceRecord(kind: kind, name: "g1/m1", address: "old"), ttlSeconds: ttlSeconds)
        await abandon(dead)
        let restarted = try await store.register(ServiceRecord(kind: kind, name: "g1/m1", address: "new"), ttlSeconds: ttlSeconds)
        let listed = try await store.services(kind: kind).map(\.address)
        XCTAssertEqual(listed, ["new"], "listed at once")
        let past = Date().addingTimeInterval(Double(ttlSeconds) * 3)
        while Date() < past {
            try await Task.sleep(for: .milliseconds(100))
            let still = try await store.services(kind: kind).map(\.address)
            XCTAssertEqual(still, ["new"], "still listed")
        }
        await restarted.revoke()
    }
}
