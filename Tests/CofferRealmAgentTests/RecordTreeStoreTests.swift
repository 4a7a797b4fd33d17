// The record tree as node blobs in the store: every proof the agent builds from the store is the
// firmware's own pruned proof of the same tree, every entry's nodes hash to the root the firmware
// computes, and a store that lost or altered a node is refused by name.

import CofferCrypto
import CofferFirmware
import CofferMemoryChip
import CofferRealmAgent
import Testing

@Suite("Record tree in the store")
struct RecordTreeStoreTests {
    let engine = TestEngine(suite: P256SHA256Suite(keyStretching: .identity))
    let configuration = RealmGroupConfiguration(
        realmID: [UInt8](repeating: 1, count: 16), groupID: [UInt8](repeating: 2, count: 16), configID: 1,
        members: [[0x02] + [UInt8](repeating: 3, count: 32)])!

    /// An entry carrying `changes` that turn `tree` into the tree it returns.
    func entry(_ changes: [RealmChange], on tree: RecordTree, index: UInt64) throws -> (RealmLogEntry, RecordTree) {
        var next = tree
        for change in changes {
            let key = RecordKey(change.key)!
            if let leaf = change.leaf { try next.upsert(key, valueHash: engine.sha256(leaf)) } else { try next.remove(key) }
        }
        let entry = RealmLogEntry.make(
            configuration: configuration, index: index, previousHash: [UInt8](repeating: 0, count: 32),
            newRoot: next.rootHash(engine), leader: 0, changes: changes, macKey: [UInt8](repeating: 9, count: 32),
            engine: engine)
        return (entry, next)
    }

    @Test("300 entries of random upserts and removals: store proofs equal the firmware's pruned proofs")
    func proofsMatchFirmware() async throws {
        let store = MemoryRealmStore()
        let trees = RecordTreeStore(store: store)
        let random = SeededEntropy(seed: 42)
        var full = RecordTree()
        var keys: [[UInt8]] = []
        var leaves: [[UInt8]: [UInt8]] = [:]
        for index in 1...300 {
            var changes: [RealmChange] = []
            for _ in 0..<(1 + Int(random.randomBytes(1)[0] % 4)) {
                if !keys.isEmpty, random.randomBytes(1)[0] < 60 {
                    let key = keys.remove(at: Int(random.randomBytes(1)[0]) % keys.count)
                    changes.append(RealmChange(key: key, leaf: nil))
                    leaves[key] = nil
                } else {
                    let key = keys.isEmpty || random.randomBytes(1)[0] < 160 ? random.randomBytes(32) : keys[0]
                    let leaf = random.randomBytes(40 + Int(random.randomBytes(1)[0] % 40))
                    if !keys.contains(key) { keys.append(key) }
                    changes.append(RealmChange(key: key, leaf: leaf))
                    leaves[key] = leaf
                }
            }
            let touched = changes.map(\.key)
            let proof = try await trees.proof(root: full.rootHash(engine), keys: touched)
            let expected = full.pruned(covering: touched.compactMap(RecordKey.init), engine: engine)
            #expect(proof.encoding == expected.encoded(), "entry \(index)")
            let (made, next) = try entry(changes, on: full, index: UInt64(index))
            try await trees.write(entry: made, proof: proof.encoding)
            full = next
        }
        // Every record's leaf comes back with its proof.
        for key in keys {
            let proof = try await trees.proof(root: full.rootHash(engine), keys: [key])
            #expect(proof.leaves == [leaves[key]!])
        }
    }

    @Test("an entry whose root is not its changes' root is refused, and nothing of it is written")
    func wrongRootRefused() async throws {
        let store = MemoryRealmStore()
        let trees = RecordTreeStore(store: store)
        let leaf = [UInt8](repeating: 7, count: 50)
        let change = RealmChange(key: [UInt8](repeating: 5, count: 32), leaf: leaf)
        let forged = RealmLogEntry.make(
            configuration: configuration, index: 1, previousHash: [UInt8](repeating: 0, count: 32),
            newRoot: [UInt8](repeating: 0xEE, count: 32), leader: 0, changes: [change],
            macKey: [UInt8](repeating: 9, count: 32), engine: engine)
        await #expect(throws: TreeStoreError.self) {
            try await trees.write(entry: forged, proof: RecordTree().encoded())
        }
        #expect(try await store.getBlob(name: engine.sha256(leaf)) == nil)
    }

    @Test("a blob the store fails to take fails the entry's write; written again, every blob is in the store")
    func failedBlobPut() async throws {
        let store = MemoryRealmStore()
        let trees = RecordTreeStore(store: store)
        let keys = (1...8).map { [UInt8](repeating: UInt8($0 * 20), count: 32) }
        let (made, tree) = try entry(
            keys.map { RealmChange(key: $0, leaf: $0 + [2]) }, on: RecordTree(), index: 1)
        // The blobs go out concurrently: some are taken, then the store fails.
        await store.failBlobPuts(after: 5)
        await #expect(throws: TreeStoreError.self) {
            try await trees.write(entry: made, proof: RecordTree().encoded())
        }
        // The failed write must not have cached a blob as written that never was: written again, the
        // tree is whole for a reader without a cache.
        await store.failBlobPuts(after: nil)
        try await trees.write(entry: made, proof: RecordTree().encoded())
        for key in keys {
            let proof = try await RecordTreeStore(store: store).proof(root: tree.rootHash(engine), keys: [key])
            #expect(proof.leaves == [key + [2]])
        }
    }

    @Test("a lost or altered node is refused by name, never taken")
    func damagedStore() async throws {
        let store = MemoryRealmStore()
        let trees = RecordTreeStore(store: store)
        let keys = (1...4).map { [UInt8](repeating: UInt8($0 * 40), count: 32) }
        let (made, tree) = try entry(
            keys.map { RealmChange(key: $0, leaf: $0 + [1]) }, on: RecordTree(), index: 1)
        try await trees.write(entry: made, proof: RecordTree().encoded())
        // A fresh reader (no cache) over a store whose root blob was altered.
        let root = tree.rootHash(engine)
        try await store.putBlob(name: root, bytes: [0x00])
        await #expect(throws: TreeStoreError.self) {
            _ = try await RecordTreeStore(store: store).proof(root: root, keys: [keys[0]])
        }
        try await store.deleteBlobs(names: [root])
        do {
            _ = try await RecordTreeStore(store: store).proof(root: root, keys: [keys[0]])
            Issue.record("a proof from a store without its root blob")
        } catch {
            if case .missing = error {} else { Issue.record("expected missing, got \(error)") }
        }
    }
}
