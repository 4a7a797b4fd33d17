import CofferEtcdCluster
@testable import CofferRealmStore
import XCTest

/// The etcd store across member deaths, on a cluster of its own: with one member of three killed
/// (the leader, whose endpoint the store tries first) appends go on through the others; with two
/// killed, no majority is left and the store says unavailable, never that an append succeeded.
final class EtcdFailoverTests: XCTestCase {
    func testAppendsGoOnWithOneMemberDeadAndStopWithTwo() async throws {
        let cluster = try EtcdForTests.require(EtcdForTests.start())
        defer { cluster.stop() }
        let leader = try XCTUnwrap(cluster.leader(), "a healthy cluster has a leader")
        let order = [leader] + (0..<3).filter { $0 != leader }
        let store = EtcdRealmStore(
            endpoints: order.map { EtcdEndpoint(host: "127.0.0.1", port: cluster.members[$0].clientPort) },
            requestTimeout: .seconds(3), retryWindow: .seconds(8)
        )
        let group = RealmGroupName(id: Array(repeating: 0x5A, count: 16))
        let entries = (1...11).map { [UInt8(0xE0), UInt8($0)] }

        for index in 1...5 {
            let appended = try await store.append(group: group, index: UInt64(index), entry: entries[index - 1])
            XCTAssertTrue(appended, "index \(index) with all members up")
        }

        cluster.kill(member: leader)
        for index in 6...10 {
            // A request that timed out during the election may have landed before its retry,
            // which then finds the index taken: by this entry, as the read below checks.
            _ = try await store.append(group: group, index: UInt64(index), entry: entries[index - 1])
        }
        let stored = try await store.read(group: group, from: 1, limit: 20)
        XCTAssertEqual(stored, (1...10).map { StoredEntry(index: UInt64($0), bytes: entries[$0 - 1]) },
                       "every append landed, after the leader died too")

        cluster.kill(member: order[1])
        // The same endpoints, giving up sooner: the lone member holds each request until it times out.
        let impatient = EtcdRealmStore(endpoints: store.endpoints, requestTimeout: .seconds(2), retryWindow: .seconds(3))
        do {
            let appended = try await impatient.append(group: group, index: 11, entry: entries[10])
            XCTFail("one member of three answered an append: \(appended)")
        } catch {
            guard case .unavailable = error else { return XCTFail("expected .unavailable, got \(error)") }
        }
        do {
            let read = try await impatient.read(group: group, from: 1, limit: 20)
            XCTFail("one member of three served a linearizable read: \(read.count) entries")
        } catch {
            guard case .unavailable = error else { return XCTFail("expected .unavailable, got \(error)") }
        }
    }

    func testAnUnreachableClusterIsUnavailableNamingEachEndpoint() async throws {
        // Ports the OS just handed out and nobody listens on.
        let ports = try EtcdCluster.freePorts(2)
        let store = EtcdRealmStore(
            endpoints: ports.map { EtcdEndpoint(host: "127.0.0.1", port: $0) },
            requestTimeout: .seconds(2), retryWindow: .milliseconds(200)
        )
        do {
            _ = try await store.lastIndex(group: RealmGroupName(id: Array(repeating: 1, count: 16)))
            XCTFail("a store with no etcd behind it answered")
        } catch {
            guard case .unavailable(let what) = error else { return XCTFail("expected .unavailable, got \(error)") }
            for port in ports { XCTAssertTrue(what.contains("127.0.0.1:\(port)"), what) }
        }
    }
}
