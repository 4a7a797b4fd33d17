// The realm's record tree (../shared/REALM.md, "Records"): a path-compressed binary Merkle trie over
// 256-bit keys whose subtrees may be cut down to stubs (their hash only). Agents hold the full tree;
// a member receives the tree pruned to the keys of a batch, checks its root against the tail root,
// applies the batch and computes the new root. One type serves both, so the root a member computes
// is by construction the root an agent computes over the same contents.
//
// Nodes are immutable (changes copy the path from the root, sharing every other subtree), so a tree
// is a value and a node's hash, once computed, stays valid: only the copied path is hashed again.

/// A record's key in the tree: `HMAC(record index key, record id)`, 32 bytes, read MSB first.
public struct RecordKey: Hashable, Comparable, Sendable {
    /// Bytes of a key; the tree's depth is eight times this.
    public static let length = 32
    /// Bits of a key.
    public static let bitCount = length * 8

    /// The key's bytes.
    public let bytes: [UInt8]

    /// Nil unless `bytes` has `length` bytes.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count == Self.length else { return nil }
        self.bytes = bytes
    }

    /// Bit `index` (0 is the MSB of the first byte).
    @inline(__always)
    func bit(_ index: Int) -> UInt8 { TreeBits.bit(bytes, index) }

    public static func < (a: RecordKey, b: RecordKey) -> Bool { lexicographicallyPrecedes(a.bytes, b.bytes) }
}

/// A record tree's refusal. Extend-only: never renumber.
public enum RecordTreeError: Error, Equatable, Sendable {
    /// The change's key leads into a stub: this proof does not cover it.
    case notCovered
    /// The encoding ends inside a field.
    case truncated
    /// Bytes after the tree.
    case trailingBytes
    /// A node tag that is unknown or not allowed where it stands (a leaf above bit 256, an interior
    /// node at bit 256).
    case invalidTag
    /// An edge of length zero, one that runs past bit 256, one whose first bit is not its side's, or
    /// one whose padding bits are not zero.
    case invalidEdge
    /// More nodes than `RecordTree.maxNodes`.
    case tooManyNodes
}

/// What a tree says about a key.
public enum RecordLookup: Equatable, Sendable {
    /// The key is in the tree with this value hash.
    case present([UInt8])
    /// The key is provably not in the tree.
    case absent
    /// The search enters a stub: the tree (a proof) does not cover the key.
    case unknown
}

/// A path-compressed binary Merkle trie from `RecordKey` to a 32-byte value hash (the SHA-256 of the
/// sealed record), possibly pruned: subtrees may be stubs that keep only their hash. The hashes are
/// documented on `rootHash` and `TreeNode.hash`, the wire format in RecordTreeCoding.swift.
///
/// Node hashes are cached inside the (shared, immutable) nodes: hash a tree with one SHA-256 engine
/// only, and keep a tree and its copies to one thread or task (the caches are not synchronised).
public struct RecordTree {
    /// Bytes of a value hash and of every node hash.
    public static let hashLength = 32
    /// Most nodes an encoded tree may have (leaves, interior nodes and stubs). A batch's proof holds
    /// about two nodes per key per level (~17 levels for 10^5 records), so this leaves room for
    /// batches of over a thousand keys in trees of millions.
    public static let maxNodes = 65_536

    /// Domain-separation labels of the tree's hashes.
    enum Label {
        static let leaf: [UInt8] = Array("coffer/realm/v1/tree-leaf".utf8)
        static let node: [UInt8] = Array("coffer/realm/v1/tree-node".utf8)
        static let root: [UInt8] = Array("coffer/realm/v1/tree-root".utf8)
        static let empty: [UInt8] = Array("coffer/realm/v1/tree-empty".utf8)
    }

    /// The top node; its edge runs from bit 0 to its position. Nil for the empty tree.
    var top: TreeNode?

    /// The empty tree.
    public init() {}

    init(top: TreeNode?) {
        self.top = top
    }

    // MARK: - Hashes

    /// The root hash: `H(tree-empty)` for the empty tree, else `H(tree-root ‖ edge(top) ‖ hash(top))`,
    /// `edge(top)` running from bit 0. The top's edge (the bits all keys share above the top node) is
    /// in no node's hash, so the root binds it: else a proof could move the whole tree elsewhere in key
    /// space and show any key absent. Node hashes are cached in the nodes, so after a change only the
    /// changed path is hashed.
    public func rootHash<E: CryptoEngine>(_ engine: E) -> [UInt8] {
        guard let top else { return engine.sha256(Label.empty) }
        var message = Label.root
        TreeNode.appendEdge(of: top, from: 0, to: &message)
        message += top.hash(engine)
        return engine.sha256(message)
    }

    // MARK: - Reading

    /// Whether `key` is present (and with which value hash), provably absent, or not covered.
    public func lookup(_ key: RecordKey) -> RecordLookup {
        var start = 0
        var node = top
        while let current = node {
            if TreeBits.firstDifference(key.bytes, current.prefix, from: start, to: current.position) != nil {
                return .absent
            }
            switch current.kind {
            case .stub:
                return .unknown
            case .leaf(let valueHash):
                return .present(valueHash)
            case .interior(let left, let right):
                start = current.position
                node = key.bit(start) == 0 ? left : right
            }
        }
        return .absent
    }

    /// Every leaf, in key order; stubs are skipped.
    public func leaves() -> [(key: RecordKey, valueHash: [UInt8])] {
        var out: [(key: RecordKey, valueHash: [UInt8])] = []
        var pending: [TreeNode] = top.map { [$0] } ?? []
        while let node = pending.popLast() {
            switch node.kind {
            case .leaf(let valueHash):
                out.append((RecordKey(node.prefix)!, valueHash))
            case .interior(let left, let right):
                pending.append(right)
                pending.append(left)
            case .stub:
                break
            }
        }
        return out
    }

    /// Whether the tree has no stubs (an agent's full tree, not a proof).
    public var isComplete: Bool {
        var pending: [TreeNode] = top.map { [$0] } ?? []
        while let node = pending.popLast() {
            switch node.kind {
            case .leaf: break
            case .stub: return false
            case .interior(let left, let right): pending += [left, right]
            }
        }
        return true
    }

    // MARK: - Changes

    /// Sets `key`'s value hash, adding the leaf if the key is absent. `.notCovered` when the key's
    /// search path enters a stub (a key that leaves an edge into a stub is fine: the edge splits and
    /// the stub keeps its hash).
    public mutating func upsert(_ key: RecordKey, valueHash: [UInt8]) throws(RecordTreeError) {
        precondition(valueHash.count == Self.hashLength, "a value hash is 32 bytes")
        let leaf = TreeNode(prefix: key.bytes, position: RecordKey.bitCount, kind: .leaf(valueHash))
        guard let top else {
            self.top = leaf
            return
        }
        var path: [TreeNode] = []
        var start = 0
        var node = top
        while true {
            if let split = TreeBits.firstDifference(key.bytes, node.prefix, from: start, to: node.position) {
                let branch = TreeNode(
                    prefix: TreeBits.truncated(key.bytes, to: split), position: split,
                    kind: key.bit(split) == 0 ? .interior(leaf, node) : .interior(node, leaf))
                return self.top = Self.rebuild(path, key: key, replacing: branch)
            }
            switch node.kind {
            case .stub:
                throw .notCovered
            case .leaf:
                return self.top = Self.rebuild(path, key: key, replacing: leaf)
            case .interior(let left, let right):
                path.append(node)
                start = node.position
                node = key.bit(start) == 0 ? left : right
            }
        }
    }

    /// Removes `key`'s leaf; returns false when the key is provably absent. `.notCovered` when the
    /// key's search path enters a stub. The leaf's sibling takes its parent's place, its edge growing
    /// by the parent's; a stub sibling keeps its hash.
    @discardableResult
    public mutating func remove(_ key: RecordKey) throws(RecordTreeError) -> Bool {
        var path: [TreeNode] = []
        var start = 0
        var node = top
        while let current = node {
            if TreeBits.firstDifference(key.bytes, current.prefix, from: start, to: current.position) != nil {
                return false
            }
            switch current.kind {
            case .stub:
                throw .notCovered
            case .leaf:
                guard let parent = path.popLast() else {
                    self.top = nil
                    return true
                }
                guard case .interior(let left, let right) = parent.kind else { preconditionFailure("path") }
                let sibling = key.bit(parent.position) == 0 ? right : left
                self.top = Self.rebuild(path, key: key, replacing: sibling)
                return true
            case .interior(let left, let right):
                path.append(current)
                start = current.position
                node = key.bit(start) == 0 ? left : right
            }
        }
        return false
    }

    /// The tree's top after replacing the node at the end of `path` (the interior nodes from the top
    /// down, along `key`) with `replacement`: each node of the path is copied with its new child.
    private static func rebuild(_ path: [TreeNode], key: RecordKey, replacing replacement: TreeNode) -> TreeNode {
        var child = replacement
        for parent in path.reversed() {
            guard case .interior(let left, let right) = parent.kind else { preconditionFailure("path") }
            let kind: TreeNode.Kind = key.bit(parent.position) == 0 ? .interior(child, right) : .interior(left, child)
            child = TreeNode(prefix: parent.prefix, position: parent.position, kind: kind)
        }
        return child
    }

    // MARK: - Proofs

    /// The proof for `keys`: this tree with every node on each key's search path kept and every
    /// other subtree cut to a stub. It has this tree's root hash; it answers `lookup` for each key as
    /// this tree does (present or absent) and lets a member `upsert` or `remove` each of them.
    public func pruned<E: CryptoEngine>(covering keys: [RecordKey], engine: E) -> RecordTree {
        guard let top else { return RecordTree() }
        return RecordTree(top: Self.prune(top, from: 0, keys: keys[...], engine: engine))
    }

    private static func prune<E: CryptoEngine>(
        _ node: TreeNode, from start: Int, keys: ArraySlice<RecordKey>, engine: E
    ) -> TreeNode {
        let through = keys.filter {
            TreeBits.firstDifference($0.bytes, node.prefix, from: start, to: node.position) == nil
        }
        // Keys that leave this node's edge need only the edge, which a stub keeps.
        if through.isEmpty {
            if case .stub = node.kind { return node }
            return node.stub(engine)
        }
        guard case .interior(let left, let right) = node.kind else { return node }
        let position = node.position
        let prunedLeft = prune(left, from: position, keys: through.filter { $0.bit(position) == 0 }[...], engine: engine)
        let prunedRight = prune(right, from: position, keys: through.filter { $0.bit(position) == 1 }[...], engine: engine)
        return TreeNode(prefix: node.prefix, position: position, kind: .interior(prunedLeft, prunedRight))
    }
}

/// One node: a leaf, an interior node with exactly two children, or a stub. Immutable but for its
/// cached hash.
final class TreeNode {
    enum Kind {
        case leaf([UInt8])
        case interior(TreeNode, TreeNode)
        /// A subtree known only by its hash.
        case stub([UInt8])
    }

    /// The key bits above this node, `[0, position)`, in 32 bytes (later bits zero). A leaf's is its key.
    let prefix: [UInt8]
    /// Where the node's edge ends: the bit an interior node branches on, 256 for a leaf.
    let position: Int
    let kind: Kind
    private var cachedHash: [UInt8]?

    init(prefix: [UInt8], position: Int, kind: Kind) {
        self.prefix = prefix
        self.position = position
        self.kind = kind
        if case .stub(let hash) = kind { cachedHash = hash }
    }

    /// Leaf: `H(tree-leaf ‖ key ‖ value hash)`. Interior: `H(tree-node ‖ edge(left) ‖ hash(left) ‖
    /// edge(right) ‖ hash(right))`. Stub: the hash it keeps. Computed once. Recursion is bounded:
    /// every edge has at least one bit, so a path has at most 256 interior nodes.
    func hash<E: CryptoEngine>(_ engine: E) -> [UInt8] {
        if let cachedHash { return cachedHash }
        var message: [UInt8]
        switch kind {
        case .stub(let hash):
            return hash
        case .leaf(let valueHash):
            message = RecordTree.Label.leaf + prefix + valueHash
        case .interior(let left, let right):
            message = RecordTree.Label.node
            message.reserveCapacity(message.count + 2 * (4 + 32 + 32))
            Self.appendEdge(of: left, from: position, to: &message)
            message += left.hash(engine)
            Self.appendEdge(of: right, from: position, to: &message)
            message += right.hash(engine)
        }
        let hash = engine.sha256(message)
        cachedHash = hash
        return hash
    }

    /// This subtree as a stub (same prefix, position and hash).
    func stub<E: CryptoEngine>(_ engine: E) -> TreeNode {
        TreeNode(prefix: prefix, position: position, kind: .stub(hash(engine)))
    }

    /// Appends `edge(child)` for a child whose edge starts at bit `start`: start (u16 BE), length
    /// (u16 BE), then the edge's bits packed MSB first, the last byte padded with zero bits.
    static func appendEdge(of child: TreeNode, from start: Int, to message: inout [UInt8]) {
        let length = child.position - start
        message += [UInt8(start >> 8), UInt8(start & 0xFF), UInt8(length >> 8), UInt8(length & 0xFF)]
        message += TreeBits.packed(child.prefix, from: start, count: length)
    }
}

/// Bit operations on 32-byte keys, MSB first.
enum TreeBits {
    @inline(__always)
    static func bit(_ bytes: [UInt8], _ index: Int) -> UInt8 { bytes[index >> 3] >> (7 - UInt8(index & 7)) & 1 }

    /// The first bit in `[from, to)` where `a` and `b` differ, or nil.
    static func firstDifference(_ a: [UInt8], _ b: [UInt8], from: Int, to: Int) -> Int? {
        var index = from
        while index < to {
            let byte = index >> 3
            let diff = a[byte] ^ b[byte]
            if diff == 0 {
                index = (byte + 1) << 3
                continue
            }
            // The first differing bit of this byte at or after `index`.
            let masked = diff & (0xFF >> UInt8(index & 7))
            if masked == 0 {
                index = (byte + 1) << 3
                continue
            }
            let found = (byte << 3) + masked.leadingZeroBitCount
            return found < to ? found : nil
        }
        return nil
    }

    /// `bytes` with every bit from `count` on cleared.
    static func truncated(_ bytes: [UInt8], to count: Int) -> [UInt8] {
        var out = bytes
        let whole = count >> 3
        if whole < out.count {
            out[whole] &= ~(0xFF >> UInt8(count & 7))
            for index in (whole + 1)..<out.count { out[index] = 0 }
        }
        return out
    }

    /// Bits `[from, from + count)` of `bytes` packed MSB first into `⌈count/8⌉` bytes, zero-padded.
    static func packed(_ bytes: [UInt8], from: Int, count: Int) -> [UInt8] {
        let byteCount = (count + 7) >> 3
        var out = [UInt8](repeating: 0, count: byteCount)
        let first = from >> 3
        let shift = UInt8(from & 7)
        for index in 0..<byteCount {
            let high = bytes[first + index] << shift
            let low: UInt8 = shift == 0 || first + index + 1 >= bytes.count ? 0 : bytes[first + index + 1] >> (8 - shift)
            out[index] = high | low
        }
        if count & 7 != 0 { out[byteCount - 1] &= ~(0xFF >> UInt8(count & 7)) }
        return out
    }
}
