import CofferCrypto
import CofferFirmware

/// Seed inputs for `record-tree`: full trees and proofs (a present key, an absent key, a batch, none)
/// made by the real tree and encoder, on keys with short and long shared prefixes.
enum RecordTreeSeeds {
    static var all: [FuzzSeed] {
        let engine = RecordTreeHarness.engine
        func key(_ index: Int) -> RecordKey { RecordKey(engine.sha256([UInt8(index)]))! }
        func tree(_ keys: [RecordKey]) -> RecordTree {
            var tree = RecordTree()
            for (index, key) in keys.enumerated() {
                try? tree.upsert(key, valueHash: engine.sha256([0x76, UInt8(truncatingIfNeeded: index)]))
            }
            return tree
        }
        let keys = (0..<32).map(key)
        let full = tree(keys)
        // Keys that share their first 200 bits: long edges above a small subtree.
        let shared = (0..<4).map { index in
            RecordKey(Array(keys[0].bytes.prefix(25)) + [UInt8(index) << 6] + [UInt8](repeating: 0, count: 6))!
        }
        let absent = key(200)
        return [
            FuzzSeed(name: "empty", bytes: RecordTree().encoded()),
            FuzzSeed(name: "one-leaf", bytes: tree([keys[0]]).encoded()),
            FuzzSeed(name: "full-8", bytes: tree(Array(keys.prefix(8))).encoded()),
            FuzzSeed(name: "shared-prefix", bytes: tree(shared).encoded()),
            FuzzSeed(name: "proof-present", bytes: full.pruned(covering: [keys[5]], engine: engine).encoded()),
            FuzzSeed(name: "proof-absent", bytes: full.pruned(covering: [absent], engine: engine).encoded()),
            FuzzSeed(name: "proof-batch",
                     bytes: full.pruned(covering: [keys[1], keys[9], keys[17], absent], engine: engine).encoded()),
            FuzzSeed(name: "proof-nothing", bytes: full.pruned(covering: [], engine: engine).encoded()),
            FuzzSeed(name: "proof-shared-prefix",
                     bytes: tree(shared + keys.prefix(4)).pruned(covering: [shared[2]], engine: engine).encoded()),
        ]
    }
}
