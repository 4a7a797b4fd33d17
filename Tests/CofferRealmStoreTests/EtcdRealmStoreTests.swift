import CofferCrypto
import CofferEtcdCluster
@testable import CofferRealmStore
import Foundation
import XCTest

/// A 3-member etcd cluster for a test class, or why there is none. Without etcd the tests skip
/// with the reason, except in CI (`CI` set), where `make test` has installed it and its absence is
/// a failure.
enum EtcdForTests {
    static func start() -> Result<EtcdCluster, EtcdCluster.StartFailure> {
        do {
            return .success(try EtcdCluster(size: 3))
        } catch let failure as EtcdCluster.StartFailure {
            return .failure(failure)
        } catch {
            return .failure(EtcdCluster.StartFailure(description: "\(error)"))
        }
    }

    /// The running cluster, else a skip (etcd not installed, outside CI) or a failure.
    static func require(_ started: Result<EtcdCluster, EtcdCluster.StartFailure>?) throws -> EtcdCluster {
        switch started {
        case .success(let cluster): return cluster
        case .failure(let failure):
            if EtcdCluster.binary == nil && ProcessInfo.processInfo.environment["CI"] == nil {
                throw XCTSkip("etcd is not installed (scripts/bootstrap.sh test installs etcd-server)")
            }
            throw failure
        case nil: throw EtcdCluster.StartFailure(description: "the class's cluster was not started")
        }
    }
}

/// The store contract against `etcd://` on one real 3-member cluster shared by the class's tests
/// (each test has its own groups and service kinds).
final class EtcdRealmStoreTests: XCTestCase {
    nonisolated(unsafe) private static var started: Result<EtcdCluster, EtcdCluster.StartFailure>?

    override class func setUp() {
        started = EtcdForTests.start()
    }

    override class func tearDown() {
        if case .success(let cluster) = started { cluster.stop() }
        started = nil
    }

    private func contract() throws -> StoreContract {
        let address = try EtcdForTests.require(Self.started).address
        return StoreContract(
            open: { try openRealmStore(address) },
            tamperBlob: { store, name, bytes in
                let etcd = store as! EtcdRealmStore
                let _: PutResponse = try await etcd.gateway.call("/v3/kv/put", [
                    "key": EtcdRealmStore.base64(etcd.blobKey(name)), "value": Data(bytes).base64EncodedString(),
                ])
            },
            label: "etcd/" + name
        )
    }

    func testAppendThenRead() async throws { try await contract().appendThenRead() }
    func testSecondAppendAtAnIndexIsRefused() async throws { try await contract().secondAppendRefused() }
    func testReadsStopAtTheFirstGap() async throws { try await contract().readsStopAtGaps() }
    func testBlobsRoundTrip() async throws { try await contract().blobsRoundTrip() }
    func testCorruptBlobIsRefusedWithItsName() async throws { try await contract().corruptBlobRefusedWithName() }
    func testRegistrationsListedByKindAndGoneWhenRevoked() async throws { try await contract().registrationsByKindAndRevoke() }

    /// 16 tasks, each with its own store handle (its own HTTP connections), race at each index.
    func testConcurrentAppendersAtOneIndexExactlyOneWins() async throws {
        try await contract().concurrentAppendersOneWins(appenders: 16, indices: 20)
    }

    /// TTL 1 s, which etcd raises to its minimum (2 s with default timings); the registration that
    /// stops its keep-alives disappears, the one that keeps them lives on.
    func testRegistrationExpiresAfterItsTTLWithoutKeepAlive() async throws {
        try await contract().registrationExpiresWithoutRenewal(ttlSeconds: 1) { lease in
            await (lease as! EtcdServiceLease).stopRenewing()
        }
    }

    func testALaterRegistrationTakesTheNameFromADeadHolder() async throws {
        try await contract().laterRegistrationTakesTheNameFromADeadHolder(ttlSeconds: 1) { lease in
            await (lease as! EtcdServiceLease).stopRenewing()
        }
    }

    func testDeletingManyBlobsSpansTransactions() async throws {
        let store = try contract().open()
        let blobs = (0..<300).map { Array("blob \($0) of \(name)".utf8) }
        for blob in blobs { try await store.putBlob(name: SHA256.hash(blob), bytes: blob) }
        try await store.deleteBlobs(names: blobs.map { SHA256.hash($0) })
        for blob in [blobs[0], blobs[127], blobs[128], blobs[299]] {
            let left = try await store.getBlob(name: SHA256.hash(blob))
            XCTAssertNil(left, "every named blob is gone, past etcd's 128 operations per transaction")
        }
    }

    func testAForeignKeyUnderALogIsCorruptWithTheKey() async throws {
        let contract = try contract()
        let store = try contract.open() as! EtcdRealmStore
        let group = contract.group()
        let appended = try await store.append(group: group, index: 1, entry: [1])
        XCTAssertTrue(appended)
        let _: PutResponse = try await store.gateway.call("/v3/kv/put", [
            "key": EtcdRealmStore.base64(store.logPrefix(group) + "zz"), "value": "",
        ])
        do {
            _ = try await store.lastIndex(group: group)
            XCTFail("a foreign key under a log was read as an entry")
        } catch {
            guard case .corrupt(let what) = error else { return XCTFail("expected .corrupt, got \(error)") }
            XCTAssertTrue(what.contains(store.logPrefix(group) + "zz"), what)
        }
    }
}
