// The record tree as the store holds it (REALM.md, store item 3): every node is a blob whose bytes are
// the node's hash preimage, so its name (SHA-256 of its bytes, as for every blob) *is* the node's hash
// in the member's tree (Firmware/Realm/RecordTree.swift) and an entry's new root names the tree's
// root blob. A leader's agent writes the nodes and sealed leaves an entry makes before it appends
// the entry; any agent then builds proofs from the root of its member's tail alone.
//
//   root     = "coffer/realm/v1/tree-root" ‖ edge(top, from 0) ‖ hash(top)
//            | "coffer/realm/v1/tree-empty"                  (the empty tree: never fetched)
//   leaf     = "coffer/realm/v1/tree-leaf" ‖ key (32) ‖ value hash (32, the sealed leaf's SHA-256:
//              the leaf blob's name)
//   interior = "coffer/realm/v1/tree-node" ‖ edge(left) ‖ hash(left) ‖ edge(right) ‖ hash(right)
//   edge     = start u16 ‖ length u16 ‖ bits (⌈length/8⌉ bytes, MSB first, zero-padded)
//
// The labels are the firmware's; every entry the agent writes is checked to hash to the root the
// member computed, so the two can never silently differ.

import CofferFirmware

/// The domain labels of the member's tree hashes.
enum TreeLabel {
    static let leaf: [UInt8] = Array("coffer/realm/v1/tree-leaf".utf8)
    static let node: [UInt8] = Array("coffer/realm/v1/tree-node".utf8)
    static let root: [UInt8] = Array("coffer/realm/v1/tree-root".utf8)
    static let empty: [UInt8] = Array("coffer/realm/v1/tree-empty".utf8)
}

/// Bits of 32-byte keys, MSB first.
enum KeyBits {
    static func bit(_ bytes: [UInt8], _ index: Int) -> UInt8 { bytes[index >> 3] >> (7 - UInt8(index & 7)) & 1 }

    /// Bits `[from, from + count)` of `bytes` packed MSB first, zero-padded.
    static func packed(_ bytes: [UInt8], from: Int, count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: (count + 7) >> 3)
        for index in 0..<count where bit(bytes, from + index) == 1 { out[index >> 3] |= 0x80 >> UInt8(index & 7) }
        return out
    }

    /// `prefix` with bits `[from, from + count)` set from `packed`.
    static func unpacked(_ packed: [UInt8], onto prefix: [UInt8], from: Int, count: Int) -> [UInt8] {
        var out = prefix
        for index in 0..<count {
            let target = from + index
            let mask: UInt8 = 0x80 >> UInt8(target & 7)
            if bit(packed, index) == 1 { out[target >> 3] |= mask } else { out[target >> 3] &= ~mask }
        }
        return out
    }

    /// Whether `key` and `prefix` agree on bits `[from, to)`.
    static func agree(_ key: [UInt8], _ prefix: [UInt8], from: Int, to: Int) -> Bool {
        for index in from..<to where bit(key, index) != bit(prefix, index) { return false }
        return true
    }
}

/// One node of a (possibly pruned) tree on the host: the bits above it and where its edge ends.
indirect enum HostNode {
    case leaf(key: [UInt8], valueHash: [UInt8])
    case interior(prefix: [UInt8], position: Int, left: HostNode, right: HostNode)
    case stub(prefix: [UInt8], position: Int, hash: [UInt8])

    var prefix: [UInt8] {
        switch self {
        case .leaf(let key, _): key
        case .interior(let prefix, _, _, _), .stub(let prefix, _, _): prefix
        }
    }

    var position: Int {
        switch self {
        case .leaf: RecordKey.bitCount
        case .interior(_, let position, _, _), .stub(_, let position, _): position
        }
    }

    /// `edge(self)` for an edge starting at bit `start`.
    func edge(from start: Int) -> [UInt8] {
        let length = position - start
        return [UInt8(start >> 8), UInt8(start & 0xFF), UInt8(length >> 8), UInt8(length & 0xFF)]
            + KeyBits.packed(prefix, from: start, count: length)
    }

    /// The node's hash, and the preimage of every node under it that is not a stub (name → bytes).
    func hash(sha256: ([UInt8]) -> [UInt8], into blobs: inout [[UInt8]: [UInt8]]) -> [UInt8] {
        let preimage: [UInt8]
        switch self {
        case .stub(_, _, let hash):
            return hash
        case .leaf(let key, let valueHash):
            preimage = TreeLabel.leaf + key + valueHash
        case .interior(_, let position, let left, let right):
            let leftHash = left.hash(sha256: sha256, into: &blobs)
            let rightHash = right.hash(sha256: sha256, into: &blobs)
            preimage = TreeLabel.node + left.edge(from: position) + leftHash + right.edge(from: position) + rightHash
        }
        let name = sha256(preimage)
        blobs[name] = preimage
        return name
    }
}

/// Parses `RecordTree.encoded()` (RecordTreeCoding.swift) into host nodes. The bytes come from this
/// agent's own `RecordTree`, so a failure is a bug, reported as such.
struct TreeEncodingParser {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The top node, nil for the empty tree.
    mutating func top() throws(TreeStoreError) -> HostNode? {
        let kind = try take(1)[0]  // 0x00 empty, 0x01 a top node (PROTOCOL.md §11.4)
        if kind == 0x00 { return nil }
        let length = Int(try take(1)[0]) << 8 | Int(try take(1)[0])
        let prefix = KeyBits.unpacked(
            try take((length + 7) >> 3), onto: [UInt8](repeating: 0, count: 32), from: 0, count: length)
        let node = try node(prefix: prefix, position: length)
        guard offset == bytes.count else { throw .corrupt("tree encoding: trailing bytes") }
        return node
    }

    private mutating func take(_ count: Int) throws(TreeStoreError) -> [UInt8] {
        guard bytes.count - offset >= count else { throw .corrupt("tree encoding: truncated") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    private mutating func node(prefix: [UInt8], position: Int) throws(TreeStoreError) -> HostNode {
        switch try take(1)[0] {
        case 0x01: return .leaf(key: prefix, valueHash: try take(32))
        case 0x03: return .stub(prefix: prefix, position: position, hash: try take(32))
        case 0x02:
            var children: [HostNode] = []
            for _ in 0..<2 {
                let length = Int(try take(1)[0]) + 1
                let childPrefix = KeyBits.unpacked(
                    try take((length + 7) >> 3), onto: prefix, from: position, count: length)
                children.append(try node(prefix: childPrefix, position: position + length))
            }
            return .interior(prefix: prefix, position: position, left: children[0], right: children[1])
        default:
            throw .corrupt("tree encoding: unknown tag")
        }
    }
}
