// The realm's record tree: a full tree against a dictionary model (history independence included),
// proofs that answer and change as the full tree does, tampered and malformed proofs refused, and
// the two stub cases a member meets (a removed leaf's stub sibling, an edge split next to a stub).

import CofferCrypto
import Testing

@testable import CofferFirmware

private let engine = TestEngine(suite: testSuite)

/// SplitMix64: seeded, so every run draws the same operations.
private struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private func randomBytes(_ count: Int, _ random: inout SeededRandom) -> [UInt8] {
    (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
}

private func randomKey(_ random: inout SeededRandom) -> RecordKey { RecordKey(randomBytes(32, &random))! }

/// `key` with bit `index` flipped: a neighbour sharing its first `index` bits.
private func flipping(_ key: RecordKey, bit index: Int) -> RecordKey {
    var bytes = key.bytes
    bytes[index >> 3] ^= 0x80 >> UInt8(index & 7)
    return RecordKey(bytes)!
}

/// A key pool with long shared prefixes: random keys and neighbours of them diverging at any bit.
private func keyPool(_ count: Int, _ random: inout SeededRandom) -> [RecordKey] {
    var pool: [RecordKey] = []
    while pool.count < count {
        if pool.isEmpty || Bool.random(using: &random) {
            pool.append(randomKey(&random))
        } else {
            pool.append(flipping(pool.randomElement(using: &random)!, bit: Int.random(in: 0..<256, using: &random)))
        }
    }
    return pool
}

private func valueHash(_ n: Int) -> [UInt8] { engine.sha256(Array("record \(n)".utf8)) }

private func tree(_ contents: [(RecordKey, [UInt8])]) throws -> RecordTree {
    var tree = RecordTree()
    for (key, value) in contents { try tree.upsert(key, valueHash: value) }
    return tree
}

private func expectSameContents(_ tree: RecordTree, _ model: [RecordKey: [UInt8]]) {
    let leaves = tree.leaves()
    #expect(leaves.map(\.key) == model.keys.sorted())
    #expect(leaves.allSatisfy { model[$0.key] == $0.valueHash })
}

// MARK: - The full tree against a model

@Test(arguments: [1, 2, 3] as [UInt64])
func fullTreeMatchesADictionaryAndIsHistoryIndependent(seed: UInt64) throws {
    var random = SeededRandom(state: seed)
    let pool = keyPool(400, &random)
    var tree = RecordTree()
    var model: [RecordKey: [UInt8]] = [:]
    #expect(tree.rootHash(engine) == engine.sha256(Array("coffer/realm/v1/tree-empty".utf8)))
    for step in 0..<4_000 {
        let key = pool.randomElement(using: &random)!
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<5:
            let value = valueHash(step)
            try tree.upsert(key, valueHash: value)
            model[key] = value
        case 5..<8:
            #expect(try tree.remove(key) == (model.removeValue(forKey: key) != nil))
        default:
            break
        }
        #expect(tree.lookup(key) == model[key].map(RecordLookup.present) ?? .absent)
        if step % 500 == 499 {
            expectSameContents(tree, model)
            #expect(tree.isComplete)
            // Hashed incrementally (cached nodes off the changed paths) and from scratch, in another
            // insertion order: one root.
            let rebuilt = try RecordTree(model.map { ($0.key, $0.value) }.shuffled(using: &random))
            #expect(tree.rootHash(engine) == rebuilt.rootHash(engine))
            #expect(try RecordTree(decoding: tree.encoded()).rootHash(engine) == tree.rootHash(engine))
        }
    }
    for key in model.keys.shuffled(using: &random) { #expect(try tree.remove(key)) }
    #expect(tree.rootHash(engine) == RecordTree().rootHash(engine))
    #expect(tree.encoded() == [0x00])
}

private extension RecordTree {
    init(_ contents: [(RecordKey, [UInt8])]) throws { self = try tree(contents) }
}

/// The hashes as docs/PROTOCOL.md states them, on a two-leaf tree computed by hand.
@Test func hashesFollowTheDocumentedFormat() throws {
    let a = RecordKey([0x00] + [UInt8](repeating: 0x11, count: 31))!
    let b = RecordKey([0x40] + [UInt8](repeating: 0x22, count: 31))!
    let tree = try RecordTree([(a, valueHash(1)), (b, valueHash(2))])
    func h(_ parts: [UInt8]...) -> [UInt8] { engine.sha256(parts.flatMap { $0 }) }
    let leafA = h(Array("coffer/realm/v1/tree-leaf".utf8), a.bytes, valueHash(1))
    let leafB = h(Array("coffer/realm/v1/tree-leaf".utf8), b.bytes, valueHash(2))
    // The keys share bit 0 and branch on bit 1: the top's edge is "0" (bits [0, 1)); each leaf's edge
    // runs from bit 1 to 256, its first bit the side.
    let edgeA: [UInt8] = [0, 1, 0, 255] + TreeBits.packed(a.bytes, from: 1, count: 255)
    let edgeB: [UInt8] = [0, 1, 0, 255] + TreeBits.packed(b.bytes, from: 1, count: 255)
    #expect(edgeB[4] == 0x80)
    let node = h(Array("coffer/realm/v1/tree-node".utf8), edgeA, leafA, edgeB, leafB)
    let root = h(Array("coffer/realm/v1/tree-root".utf8), [0, 0, 0, 1, 0x00], node)
    #expect(tree.rootHash(engine) == root)
    let single = try RecordTree([(a, valueHash(1))])
    #expect(single.rootHash(engine) == h(Array("coffer/realm/v1/tree-root".utf8), [0, 0, 1, 0], a.bytes, leafA))
    // Encoding: non-empty, top edge of 1 bit "0", interior, left child (255 bits), leaf, right child.
    let encoded = tree.encoded()
    #expect(encoded.prefix(5) == [0x01, 0x00, 0x01, 0x00, 0x02])
    #expect(encoded.count == 5 + 2 * (1 + 32 + 1 + 32))
}

// MARK: - Proofs

@Test(arguments: [11, 12, 13] as [UInt64])
func proofsAnswerAndChangeAsTheFullTreeDoes(seed: UInt64) throws {
    var random = SeededRandom(state: seed)
    let pool = keyPool(600, &random)
    let present = Array(pool.shuffled(using: &random).prefix(300))
    var full = try RecordTree(present.enumerated().map { ($1, valueHash($0)) })
    for trial in 0..<40 {
        // Present keys, absent keys of the pool (long shared prefixes) and fresh random keys.
        let covered = (0..<Int.random(in: 0...6, using: &random)).map { _ in pool.randomElement(using: &random)! }
            + (0..<Int.random(in: 0...2, using: &random)).map { _ in randomKey(&random) }
        let proof = full.pruned(covering: covered, engine: engine)
        #expect(proof.rootHash(engine) == full.rootHash(engine))
        var received = try RecordTree(decoding: proof.encoded())
        #expect(received.encoded() == proof.encoded())
        #expect(received.rootHash(engine) == full.rootHash(engine))
        for key in covered { #expect(received.lookup(key) == full.lookup(key)) }
        for key in pool where !covered.contains(key) {
            let answer = received.lookup(key)
            // A key off every kept path is unknown, or absent when it leaves a kept edge; never wrong.
            #expect(answer == .unknown || (answer == .absent && full.lookup(key) == .absent))
        }
        // What a member does: apply the batch to the proof; the agent applies it to the full tree.
        for (index, key) in covered.enumerated() {
            if Bool.random(using: &random) {
                try received.upsert(key, valueHash: valueHash(10_000 * trial + index))
                try full.upsert(key, valueHash: valueHash(10_000 * trial + index))
            } else {
                #expect(try received.remove(key) == (try full.remove(key)))
            }
            #expect(received.lookup(key) == full.lookup(key))
        }
        #expect(received.rootHash(engine) == full.rootHash(engine))
        #expect(full.isComplete)
    }
}

@Test func aProofDoesNotCoverOtherKeys() throws {
    var random = SeededRandom(state: 21)
    let keys = (0..<200).map { _ in randomKey(&random) }
    let full = try RecordTree(keys.enumerated().map { ($1, valueHash($0)) })
    var proof = full.pruned(covering: [keys[0]], engine: engine)
    #expect(!proof.isComplete)
    #expect(proof.leaves().map(\.key) == [keys[0]])
    for key in keys.dropFirst() {
        #expect(proof.lookup(key) == .unknown)
        #expect(throws: RecordTreeError.notCovered) { try proof.upsert(key, valueHash: valueHash(0)) }
        #expect(throws: RecordTreeError.notCovered) { try proof.remove(key) }
    }
    #expect(proof.rootHash(engine) == full.rootHash(engine))
    // A proof covering nothing is the top as a stub: it still has the root.
    let nothing = full.pruned(covering: [], engine: engine)
    #expect(nothing.rootHash(engine) == full.rootHash(engine))
    #expect(try RecordTree(decoding: nothing.encoded()).rootHash(engine) == full.rootHash(engine))
}

// MARK: - The stub cases of a member

/// The key whose first bits are `bits`, the rest zero.
private func key(_ bits: String) -> RecordKey {
    var bytes = [UInt8](repeating: 0, count: 32)
    for (index, character) in bits.enumerated() where character == "1" { bytes[index >> 3] |= 0x80 >> UInt8(index & 7) }
    return RecordKey(bytes)!
}

@Test func removingALeafWhoseSiblingIsAStubMergesTheEdges() throws {
    // 0…, 100…, 1011 0…, 1011 1…: removing 100… leaves the stub 1011 (an interior node at bit 4)
    // hanging from the top with the edge "011" grown to "1011" minus the branch bit above it.
    let keys = [key("0"), key("100"), key("10110"), key("10111")]
    var full = try RecordTree(keys.enumerated().map { ($1, valueHash($0)) })
    var proof = try RecordTree(decoding: full.pruned(covering: [keys[1]], engine: engine).encoded())
    #expect(proof.rootHash(engine) == full.rootHash(engine))
    #expect(proof.lookup(keys[2]) == .unknown)
    #expect(try proof.remove(keys[1]))
    #expect(try full.remove(keys[1]))
    #expect(proof.rootHash(engine) == full.rootHash(engine))
    #expect(proof.lookup(keys[1]) == .absent)
    // The stub moved up unchanged: the top's right child is the stub, its edge now "1011".
    guard case .interior(_, let right)? = proof.top?.kind, case .stub = right.kind else {
        Issue.record("the stub sibling did not take its parent's place")
        return
    }
    #expect(right.position == 4)
    // Removing a leaf whose sibling is the top's only other subtree, a stub: the stub becomes the top.
    var top = try RecordTree(decoding: full.pruned(covering: [keys[0]], engine: engine).encoded())
    #expect(try top.remove(keys[0]))
    #expect(try full.remove(keys[0]))
    #expect(top.rootHash(engine) == full.rootHash(engine))
    #expect(top.top?.position == 4)
}

@Test func insertingAKeyThatLeavesAStubsEdgeSplitsTheEdge() throws {
    // 0…, 1111 0…, 1111 1…: the right subtree is an interior node at bit 4 under the edge "1111".
    let keys = [key("0"), key("11110"), key("11111")]
    var full = try RecordTree(keys.enumerated().map { ($1, valueHash($0)) })
    let newKey = key("1100")
    var proof = try RecordTree(decoding: full.pruned(covering: [newKey], engine: engine).encoded())
    #expect(proof.rootHash(engine) == full.rootHash(engine))
    // The key leaves the stub's edge at bit 2: proven absent, and insertable.
    #expect(proof.lookup(newKey) == .absent)
    #expect(proof.lookup(keys[1]) == .unknown)
    try proof.upsert(newKey, valueHash: valueHash(9))
    try full.upsert(newKey, valueHash: valueHash(9))
    #expect(proof.rootHash(engine) == full.rootHash(engine))
    #expect(proof.lookup(newKey) == .present(valueHash(9)))
    // And at the top: a key leaving the top's edge (a stub top) splits it there.
    let shared = [key("1110"), key("1111")]
    var sharedFull = try RecordTree(shared.enumerated().map { ($1, valueHash($0)) })
    var stubTop = try RecordTree(decoding: sharedFull.pruned(covering: [], engine: engine).encoded())
    #expect(stubTop.lookup(key("0")) == .absent)
    #expect(stubTop.lookup(key("10")) == .absent)
    #expect(stubTop.lookup(shared[0]) == .unknown)
    for newTop in [key("0"), key("10")] {
        try stubTop.upsert(newTop, valueHash: valueHash(7))
        try sharedFull.upsert(newTop, valueHash: valueHash(7))
        #expect(stubTop.rootHash(engine) == sharedFull.rootHash(engine))
    }
}

// MARK: - Tampering

@Test func everyFlippedBitOfAProofIsRefusedOrChangesTheRoot() throws {
    var random = SeededRandom(state: 31)
    let pool = keyPool(300, &random)
    let full = try RecordTree(pool.prefix(200).enumerated().map { ($1, valueHash($0)) })
    let root = full.rootHash(engine)
    // A present key, an absent neighbour of a present key, an absent random key.
    let proof = full.pruned(covering: [pool[3], flipping(pool[5], bit: 200), randomKey(&random)], engine: engine)
        .encoded()
    var refused = 0
    for index in proof.indices {
        for bit in 0..<8 {
            var tampered = proof
            tampered[index] ^= 1 << UInt8(bit)
            guard let decoded = try? RecordTree(decoding: tampered) else {
                refused += 1
                continue
            }
            #expect(decoded.rootHash(engine) != root, "flipping bit \(bit) of byte \(index) kept the root")
        }
    }
    #expect(refused > 0)
}

@Test func aProofForAnotherRootDoesNotMatch() throws {
    var random = SeededRandom(state: 41)
    let keys = (0..<100).map { _ in randomKey(&random) }
    var full = try RecordTree(keys.enumerated().map { ($1, valueHash($0)) })
    let trusted = full.rootHash(engine)
    try full.upsert(keys[7], valueHash: valueHash(1_000))
    // The agent hands a proof of the newer tree (or of a rolled-back one) for a key the change did
    // not touch: its root is not the member's.
    #expect(full.pruned(covering: [keys[50]], engine: engine).rootHash(engine) != trusted)
}

@Test func aProofLyingAboutAbsenceChangesTheRoot() throws {
    var random = SeededRandom(state: 51)
    let keys = (0..<100).map { _ in randomKey(&random) }
    let full = try RecordTree(keys.enumerated().map { ($1, valueHash($0)) })
    let root = full.rootHash(engine)
    let target = keys[42]
    let proof = full.pruned(covering: [target], engine: engine)
    #expect(proof.lookup(target) == .present(valueHash(42)))

    /// The proof with the node on `target`'s path at `depth` replaced by `forge(node)`.
    func forged(depth: Int, _ forge: (TreeNode) -> TreeNode) -> RecordTree {
        func walk(_ node: TreeNode, _ level: Int) -> TreeNode {
            if level == depth { return forge(node) }
            guard case .interior(let left, let right) = node.kind else { return node }
            return target.bit(node.position) == 0
                ? TreeNode(prefix: node.prefix, position: node.position, kind: .interior(walk(left, level + 1), right))
                : TreeNode(prefix: node.prefix, position: node.position, kind: .interior(left, walk(right, level + 1)))
        }
        return RecordTree(top: walk(proof.top!, 0))
    }
    var depth = 0
    var node = proof.top!
    while case .interior(let left, let right) = node.kind {
        node = target.bit(node.position) == 0 ? left : right
        depth += 1
    }
    // The leaf's edge changed (another key, same value): the lie says absent, the root tells.
    let leafMoved = forged(depth: depth) { leaf in
        TreeNode(prefix: flipping(target, bit: 250).bytes, position: 256, kind: leaf.kind)
    }
    #expect(leafMoved.lookup(target) == .absent)
    #expect(leafMoved.rootHash(engine) != root)
    // The leaf replaced by a stub whose edge leaves the key (the honest hash kept): absent, wrong root.
    let stubMoved = forged(depth: depth) { leaf in
        TreeNode(prefix: flipping(target, bit: 255).bytes, position: 256, kind: .stub(leaf.hash(engine)))
    }
    #expect(stubMoved.lookup(target) == .absent)
    #expect(stubMoved.rootHash(engine) != root)
    // The leaf's parent subtree replaced by a stub of another hash under the same edge: unknown at best.
    let parentStub = forged(depth: depth - 1) { parent in
        TreeNode(prefix: parent.prefix, position: parent.position, kind: .stub(valueHash(0)))
    }
    #expect(parentStub.lookup(target) == .unknown)
    #expect(parentStub.rootHash(engine) != root)
}

/// The bits above the top node (the top's edge) are bound by the root hash: a proof cannot move the
/// whole tree elsewhere in key space and claim absence for the keys it left.
@Test func theTopsEdgeIsBoundByTheRoot() throws {
    let keys = [key("10110"), key("10111")]
    let full = try RecordTree(keys.enumerated().map { ($1, valueHash($0)) })
    let root = full.rootHash(engine)
    let top = try #require(full.pruned(covering: [], engine: engine).top)
    #expect(top.position == 4)
    for bit in 0..<top.position {
        let moved = RecordTree(top: TreeNode(
            prefix: flipping(RecordKey(top.prefix)!, bit: bit).bytes, position: top.position, kind: top.kind))
        #expect(moved.lookup(keys[0]) == .absent)
        #expect(moved.rootHash(engine) != root)
    }
    let longer = RecordTree(top: TreeNode(prefix: top.prefix, position: top.position + 1, kind: top.kind))
    #expect(longer.rootHash(engine) != root)
}

// MARK: - Malformed encodings

@Test func malformedEncodingsAreRefused() throws {
    let a = key("00")
    let b = key("01")
    let proof = try RecordTree([(a, valueHash(1)), (b, valueHash(2))]).encoded()
    // [01][00 01][00] top edge "0" — [02] interior — [FE][255 bits] leaf — [FE][255 bits] leaf.
    #expect(try RecordTree(decoding: proof).encoded() == proof)
    func refused(_ bytes: [UInt8], _ error: RecordTreeError, _ comment: Comment) {
        #expect(throws: error, comment) { try RecordTree(decoding: bytes) }
    }
    refused([], .truncated, "empty input")
    refused([0x00, 0x00], .trailingBytes, "an empty tree with a trailing byte")
    refused(proof + [0x00], .trailingBytes, "a trailing byte")
    refused(Array(proof.dropLast()), .truncated, "a truncated value hash")
    refused([0x02], .invalidTag, "an unknown tree tag")
    refused([0x01, 0x01, 0x01], .invalidEdge, "a top edge of 257 bits")
    // A third child: where the tree ends, more bytes.
    let child: [UInt8] = [0xFE] + TreeBits.packed(b.bytes, from: 1, count: 255) + [0x03] + valueHash(3)
    refused(proof + child, .trailingBytes, "an interior node with three children")
    // The left child's edge overshoots: 256 bits from bit 1.
    var overlong = proof
    overlong[5] = 0xFF
    refused(overlong, .invalidEdge, "an edge past bit 256")
    // The right child's first bit 0: not the right side's.
    let rightAt = 5 + 1 + 32 + 1 + 32
    var wrongSide = proof
    wrongSide[rightAt + 1] &= 0x7F
    refused(wrongSide, .invalidEdge, "a right child whose first bit is 0")
    // A padding bit set: the top edge has 1 bit, its byte's other 7 bits must be zero.
    var padded = proof
    padded[3] |= 0x01
    refused(padded, .invalidEdge, "a nonzero padding bit")
    // A leaf whose edge ends before bit 256, an interior node at bit 256.
    refused([0x01, 0x00, 0x00, 0x01] + valueHash(1), .invalidTag, "a leaf at bit 0")
    refused([0x01, 0x01, 0x00] + [UInt8](repeating: 0, count: 32) + [0x02], .invalidTag, "an interior node at bit 256")
    refused([0x01, 0x00, 0x00, 0x04], .invalidTag, "an unknown node tag")
    // The deepest tree there is: interior nodes at every bit 0...255, each left child one bit "0",
    // ending in the all-zero key's leaf; the right children are one-bit stubs, innermost first.
    let spine: [UInt8] = [0x01, 0x00, 0x00] + Array([[UInt8]](repeating: [0x02, 0x00, 0x00], count: 256).joined())
    let stubs = Array([[UInt8]](repeating: [0x00, 0x80, 0x03] + valueHash(0), count: 256).joined())
    let deepest = spine + [0x01] + valueHash(0) + stubs
    let decoded = try RecordTree(decoding: deepest)
    #expect(decoded.encoded() == deepest)
    #expect(decoded.lookup(RecordKey([UInt8](repeating: 0, count: 32))!) == .present(valueHash(0)))
    // One level more: an interior node at bit 256.
    refused(spine + [0x02, 0x00, 0x00], .invalidTag, "a tree deeper than 256 bits")
}

@Test func tooManyNodesAreRefused() throws {
    // A left spine of 2^16 + 1 nodes cannot exist in 256 bits; a wide tree can: fill with stubs.
    var random = SeededRandom(state: 61)
    let keys = (0..<(RecordTree.maxNodes / 2 + 1)).map { _ in randomKey(&random) }
    let full = try RecordTree(keys.map { ($0, valueHash(0)) })
    #expect(throws: RecordTreeError.tooManyNodes) { try RecordTree(decoding: full.encoded()) }
}

// MARK: - Costs

@Test func costOfTheHostsTreeAndOfAProof() throws {
    var random = SeededRandom(state: 71)
    let keys = (0..<10_000).map { _ in randomKey(&random) }
    let clock = ContinuousClock()
    var full = RecordTree()
    let insert = try clock.measure { for (index, key) in keys.enumerated() { try full.upsert(key, valueHash: valueHash(index)) } }
    let hash = clock.measure { _ = full.rootHash(engine) }
    let update = try clock.measure {
        for index in 0..<100 {
            try full.upsert(keys[index], valueHash: valueHash(-index))
            _ = full.rootHash(engine)
        }
    }
    let proof = full.pruned(covering: [keys[0]], engine: engine).encoded()
    let absent = full.pruned(covering: [randomKey(&random)], engine: engine).encoded()
    let batch = full.pruned(covering: Array(keys.prefix(100)), engine: engine).encoded()
    let verify = try clock.measure {
        for _ in 0..<100 { _ = try RecordTree(decoding: proof).rootHash(engine) }
    }
    print("""
        record tree, 10^4 leaves (debug build): insert \(insert), first root hash \(hash), \
        100 upserts each rehashed \(update); proof of one present key \(proof.count) bytes, of one absent \
        key \(absent.count) bytes, of 100 keys \(batch.count) bytes; 100 decodes + roots of a one-key proof \(verify)
        """)
    #expect(proof.count < 1_000)
}
