import CofferCrypto
@testable import CofferRealmStore
import Foundation
import XCTest

/// The store contract against `dir:` in a fresh directory per test, and what is the directory's own:
/// its marker, its sweep of a dead writer's temporary files, its refusal of foreign files.
final class DirectoryRealmStoreTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        let template = NSTemporaryDirectory() + "coffer-dirstore-XXXXXX"
        var bytes = Array(template.utf8CString)
        root = String(cString: try XCTUnwrap(mkdtemp(&bytes)))
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(atPath: root)
    }

    private var storePath: String { root + "/store" }

    private var contract: StoreContract {
        let path = storePath
        return StoreContract(
            open: { try openRealmStore("dir:" + path) },
            tamperBlob: { store, name, bytes in
                let file = (store as! DirectoryRealmStore).blobPath(name)
                try Data(bytes).write(to: URL(fileURLWithPath: file))
            },
            label: "dir/" + name
        )
    }

    func testAppendThenRead() async throws { try await contract.appendThenRead() }
    func testSecondAppendAtAnIndexIsRefused() async throws { try await contract.secondAppendRefused() }
    func testReadsStopAtTheFirstGap() async throws { try await contract.readsStopAtGaps() }
    func testBlobsRoundTrip() async throws { try await contract.blobsRoundTrip() }
    func testCorruptBlobIsRefusedWithItsName() async throws { try await contract.corruptBlobRefusedWithName() }
    func testRegistrationsListedByKindAndGoneWhenRevoked() async throws { try await contract.registrationsByKindAndRevoke() }

    func testRegistrationExpiresWithoutRenewalAndIsDeleted() async throws {
        try await contract.registrationExpiresWithoutRenewal(ttlSeconds: 1) { lease in
            await (lease as! DirectoryServiceLease).stopRenewing()
        }
        let store = try DirectoryRealmStore(path: storePath)
        let kind = contract.kind("expiring")
        XCTAssertEqual(try DirectoryFiles.names(in: store.servicesDirectory(kind)), [], "the stale file was deleted, not just skipped")
    }

    func testALaterRegistrationTakesTheNameFromADeadHolder() async throws {
        try await contract.laterRegistrationTakesTheNameFromADeadHolder(ttlSeconds: 1) { lease in
            await (lease as! DirectoryServiceLease).stopRenewing()
        }
    }

    /// Many store handles (as many agent processes would have) race at each index through real
    /// link(2) calls on the dispatch pool's threads: exactly one wins each index.
    func testConcurrentAppendersAtOneIndexExactlyOneWins() async throws {
        try await contract.concurrentAppendersOneWins(appenders: 16, indices: 50)
    }

    /// Two threads in a tight loop, each with its own store handle, race to append every index of
    /// one log; each index has exactly one winner and the log holds the winners' entries.
    func testTwoThreadsRacingEveryIndexNeverBothWin() throws {
        let path = storePath
        let group = contract.group()
        let indices = 200
        let wins = Wins(racers: 2, indices: indices)
        let stores = try (0..<2).map { _ in try DirectoryRealmStore(path: path) }
        DispatchQueue.concurrentPerform(iterations: 2) { racer in
            for index in 0..<indices {
                let target = stores[racer].entryPath(group, UInt64(index + 1))
                try? DirectoryFiles.makeDirectory(stores[racer].logDirectory(group))
                wins.rows[racer][index] = (try? DirectoryFiles.placeExclusively(
                    [UInt8(racer)], at: target, temporary: stores[racer].temporaryPath()
                )) ?? false
            }
        }
        for index in 0..<indices {
            XCTAssertTrue(wins.rows[0][index] != wins.rows[1][index], "index \(index + 1): exactly one racer wins")
            let winner: UInt8 = wins.rows[0][index] ? 0 : 1
            XCTAssertEqual(try DirectoryFiles.read(stores[0].entryPath(group, UInt64(index + 1))), [winner])
        }
        XCTAssertEqual(try DirectoryFiles.names(in: path + "/tmp"), [], "no temporary file is left behind")
    }

    func testADeadWritersTemporaryFileIsSweptAndALiveOnesKept() throws {
        _ = try DirectoryRealmStore(path: storePath)
        // pid_max is at most 2^22 on Linux: no process has this id.
        let dead = storePath + "/tmp/2147483647-00"
        let live = storePath + "/tmp/\(getpid())-00"
        _ = FileManager.default.createFile(atPath: dead, contents: Data([1]))
        _ = FileManager.default.createFile(atPath: live, contents: Data([2]))
        _ = try DirectoryRealmStore(path: storePath)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dead))
        XCTAssertTrue(FileManager.default.fileExists(atPath: live))
    }

    func testAHalfWrittenTemporaryFileIsNeverAnEntry() async throws {
        let store = try DirectoryRealmStore(path: storePath)
        let group = contract.group()
        let first = try await store.append(group: group, index: 1, entry: [1])
        XCTAssertTrue(first)
        // A writer that died after its exclusive create and before its link leaves only this.
        _ = FileManager.default.createFile(atPath: storePath + "/tmp/2147483647-01", contents: Data([9, 9]))
        let entries = try await store.read(group: group, from: 1, limit: 10)
        XCTAssertEqual(entries, [StoredEntry(index: 1, bytes: [1])])
        let last = try await store.lastIndex(group: group)
        XCTAssertEqual(last, 1)
        let second = try await store.append(group: group, index: 2, entry: [2])
        XCTAssertTrue(second, "index 2 is still free")
    }

    func testADirectoryWithOtherFilesIsRefusedNotAdopted() throws {
        try FileManager.default.createDirectory(atPath: storePath, withIntermediateDirectories: false)
        _ = FileManager.default.createFile(atPath: storePath + "/notes.txt", contents: Data("mine".utf8))
        XCTAssertThrowsError(try DirectoryRealmStore(path: storePath)) { error in
            guard case RealmStoreError.corrupt(let what) = error else { return XCTFail("expected .corrupt, got \(error)") }
            XCTAssertTrue(what.contains(self.storePath) && what.contains("notes.txt"), what)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: storePath), ["notes.txt"], "nothing was added")
    }

    func testAForeignMarkerIsRefused() throws {
        _ = try DirectoryRealmStore(path: storePath)
        try Data("coffer realm store 9\n".utf8).write(to: URL(fileURLWithPath: storePath + "/coffer-realm-store"))
        XCTAssertThrowsError(try DirectoryRealmStore(path: storePath)) { error in
            guard case RealmStoreError.corrupt(let what) = error else { return XCTFail("expected .corrupt, got \(error)") }
            XCTAssertTrue(what.contains("coffer-realm-store"), what)
        }
    }

    func testAForeignFileInALogIsCorruptWithItsPath() async throws {
        let store = try DirectoryRealmStore(path: storePath)
        let group = contract.group()
        let appended = try await store.append(group: group, index: 1, entry: [1])
        XCTAssertTrue(appended)
        _ = FileManager.default.createFile(atPath: store.logDirectory(group) + "/junk", contents: Data())
        do {
            _ = try await store.lastIndex(group: group)
            XCTFail("a log directory holding a foreign name was read as a log")
        } catch {
            guard case .corrupt(let what) = error else { return XCTFail("expected .corrupt, got \(error)") }
            XCTAssertTrue(what.hasSuffix("/junk is not an entry name (20 decimal digits)"), what)
        }
    }

    func testAnEntryIsDurableUnderItsIndexName() async throws {
        let store = try DirectoryRealmStore(path: storePath)
        let group = contract.group()
        let appended = try await store.append(group: group, index: 7, entry: [7, 7])
        XCTAssertTrue(appended)
        let file = storePath + "/log/\(group.hex)/00000000000000000007"
        XCTAssertEqual(FileManager.default.contents(atPath: file), Data([7, 7]), "the layout docs/REALM-OPERATIONS.md describes")
    }
}

/// Which racer won which index: each racer writes only its own row, read after all have finished.
private final class Wins: @unchecked Sendable {
    let rows: [UnsafeMutablePointer<Bool>]

    init(racers: Int, indices: Int) {
        rows = (0..<racers).map { _ in
            let row = UnsafeMutablePointer<Bool>.allocate(capacity: indices)
            row.initialize(repeating: false, count: indices)
            return row
        }
    }

    deinit { rows.forEach { $0.deallocate() } }
}
