// The record tree's wire format, for proofs sent to a member.
// One tree has exactly one encoding and the decoder accepts nothing else: a member parses what an
// untrusted agent sends, so every length is bounded and every bit is checked before use.
//
//   tree  = 0x00                                   the empty tree
//         | 0x01 ‖ length (u16 BE, 0...256) ‖ bits ‖ node      the top node, its edge from bit 0
//   node  = 0x01 ‖ value hash (32)                 a leaf: its edge ends at bit 256; its key is the path
//         | 0x02 ‖ child ‖ child                   an interior node (edge ends before 256): left, right
//         | 0x03 ‖ hash (32)                       a stub
//   child = length − 1 (u8: 1...256) ‖ bits ‖ node the child's edge from its parent's position; its
//                                                  first bit is 0 on the left, 1 on the right
//   bits  = the edge's bits, MSB first, in ⌈length/8⌉ bytes, the padding bits zero.

extension RecordTree {
    /// Node tags of the wire format. Extend-only.
    enum Tag {
        static let empty: UInt8 = 0x00
        static let nonEmpty: UInt8 = 0x01
        static let leaf: UInt8 = 0x01
        static let interior: UInt8 = 0x02
        static let stub: UInt8 = 0x03
    }

    /// The tree's canonical encoding (the module comment of RecordTreeCoding.swift).
    public func encoded() -> [UInt8] {
        guard let top else { return [Tag.empty] }
        var out: [UInt8] = [Tag.nonEmpty, UInt8(top.position >> 8), UInt8(top.position & 0xFF)]
        out += TreeBits.packed(top.prefix, from: 0, count: top.position)
        Self.encode(top, to: &out)
        return out
    }

    private static func encode(_ node: TreeNode, to out: inout [UInt8]) {
        switch node.kind {
        case .leaf(let valueHash):
            out.append(Tag.leaf)
            out += valueHash
        case .stub(let hash):
            out.append(Tag.stub)
            out += hash
        case .interior(let left, let right):
            out.append(Tag.interior)
            for child in [left, right] {
                let length = child.position - node.position
                out.append(UInt8(length - 1))
                out += TreeBits.packed(child.prefix, from: node.position, count: length)
                encode(child, to: &out)
            }
        }
    }

    /// Parses `encoded()`; refuses anything else: truncated input, trailing bytes, unknown tags, a
    /// leaf whose edge does not end at bit 256 or an interior node whose edge does, edges that run
    /// past bit 256 or have nonzero padding, a child whose first bit is not its side's, more than
    /// `maxNodes` nodes. Decoding recurses at most 257 levels deep (each edge below the top has at
    /// least one bit).
    public init(decoding bytes: [UInt8]) throws(RecordTreeError) {
        var reader = TreeReader(bytes: bytes)
        switch try reader.byte() {
        case Tag.empty:
            self.init()
        case Tag.nonEmpty:
            let length = Int(try reader.byte()) << 8 | Int(try reader.byte())
            guard length <= RecordKey.bitCount else { throw .invalidEdge }
            let prefix = try reader.edge(onto: [UInt8](repeating: 0, count: RecordKey.length), from: 0, count: length)
            self.init(top: try reader.node(prefix: prefix, position: length))
        default:
            throw .invalidTag
        }
        guard reader.offset == bytes.count else { throw .trailingBytes }
    }
}

/// A cursor over an encoded tree.
private struct TreeReader {
    let bytes: [UInt8]
    var offset = 0
    var nodes = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func byte() throws(RecordTreeError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func take(_ count: Int) throws(RecordTreeError) -> [UInt8] {
        guard bytes.count - offset >= count else { throw .truncated }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads an edge of `count` bits starting at bit `from` and returns `prefix` with them set.
    mutating func edge(onto prefix: [UInt8], from: Int, count: Int) throws(RecordTreeError) -> [UInt8] {
        let packed = try take((count + 7) >> 3)
        if count & 7 != 0, packed[packed.count - 1] & (0xFF >> UInt8(count & 7)) != 0 { throw .invalidEdge }
        var out = prefix
        for index in 0..<count where TreeBits.bit(packed, index) == 1 {
            let target = from + index
            out[target >> 3] |= 0x80 >> UInt8(target & 7)
        }
        return out
    }

    /// Reads the node whose edge ends at bit `position`; `prefix` holds the bits above it.
    mutating func node(prefix: [UInt8], position: Int) throws(RecordTreeError) -> TreeNode {
        nodes += 1
        guard nodes <= RecordTree.maxNodes else { throw .tooManyNodes }
        switch try byte() {
        case RecordTree.Tag.leaf:
            guard position == RecordKey.bitCount else { throw .invalidTag }
            return TreeNode(prefix: prefix, position: position, kind: .leaf(try take(RecordTree.hashLength)))
        case RecordTree.Tag.stub:
            return TreeNode(prefix: prefix, position: position, kind: .stub(try take(RecordTree.hashLength)))
        case RecordTree.Tag.interior:
            guard position < RecordKey.bitCount else { throw .invalidTag }
            let left = try child(prefix: prefix, from: position, side: 0)
            let right = try child(prefix: prefix, from: position, side: 1)
            return TreeNode(prefix: prefix, position: position, kind: .interior(left, right))
        default:
            throw .invalidTag
        }
    }

    private mutating func child(prefix: [UInt8], from start: Int, side: UInt8) throws(RecordTreeError) -> TreeNode {
        let length = Int(try byte()) + 1
        guard start + length <= RecordKey.bitCount else { throw .invalidEdge }
        let childPrefix = try edge(onto: prefix, from: start, count: length)
        guard TreeBits.bit(childPrefix, start) == side else { throw .invalidEdge }
        return try node(prefix: childPrefix, position: start + length)
    }
}
