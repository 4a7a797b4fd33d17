import CofferCrypto
import CofferFirmware

/// Fuzz target `record-tree`: the realm record tree's decoder (`RecordTree(decoding:)`), the parser a
/// member runs on every proof an untrusted agent sends.
///
/// Input: an encoded tree. Besides not crashing, the decoder must accept only the canonical encoding
/// (what it accepts re-encodes byte for byte), and what it accepts must behave as a tree: its leaves
/// come out in key order and each looks up as present; the tree pruned to its own leaves keeps the
/// root, also through the wire format; and removing a leaf then putting it back restores the root
/// (a removal next to a stub and an edge split next to a stub undo each other).
enum RecordTreeHarness {
    static let engine = OpenSSLCryptoEngine(suite: P256SHA256Suite())

    /// Runs one input.
    static func run(_ bytes: [UInt8]) {
        guard let tree = try? RecordTree(decoding: bytes) else { return }
        invariant(tree.encoded() == bytes, "a tree re-encodes differently")
        let root = tree.rootHash(engine)
        let leaves = tree.leaves()
        for index in leaves.indices.dropFirst() {
            invariant(leaves[index - 1].key < leaves[index].key, "leaves out of key order")
        }
        for leaf in leaves {
            invariant(tree.lookup(leaf.key) == .present(leaf.valueHash), "a leaf does not look up as present")
        }
        let proof = tree.pruned(covering: leaves.map(\.key), engine: engine)
        invariant(proof.rootHash(engine) == root, "pruning to the tree's own leaves changed the root")
        let received = try? RecordTree(decoding: proof.encoded())
        invariant(received?.rootHash(engine) == root, "a pruned tree does not decode to its root")
        guard let first = leaves.first, let last = leaves.last else { return }
        for leaf in [first, last] {
            var changed = tree
            do {
                invariant(try changed.remove(leaf.key), "a present leaf was not removed")
                invariant(changed.lookup(leaf.key) == .absent, "a removed leaf is not absent")
                try changed.upsert(leaf.key, valueHash: leaf.valueHash)
            } catch {
                invariant(false, "a change to a present leaf refused with \(error)")
            }
            invariant(changed.rootHash(engine) == root, "removing a leaf and putting it back changed the root")
        }
    }
}
