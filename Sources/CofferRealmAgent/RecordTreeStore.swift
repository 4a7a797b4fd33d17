// The agent's side of the record tree: proofs for a batch's tree keys, built from the node blobs under
// a root (TreeNodes.swift), and the blobs of the tree an entry makes, written before the entry is
// appended. Blobs are immutable (named by their hash), so the agent caches them freely.

import CofferCrypto
import CofferFirmware
import CofferRealmStore

/// A tree in the store that is not what this agent writes, or a store that lost a node.
public enum TreeStoreError: Error, Equatable, CustomStringConvertible {
    /// A node or leaf blob under a reachable root is missing (an honest store keeps them: REALM.md).
    case missing(String)
    /// A blob does not hash to its name, or does not parse as a node.
    case corrupt(String)
    /// The store failed.
    case store(RealmStoreError)

    public var description: String {
        switch self {
        case .missing(let what): "record tree: missing \(what)"
        case .corrupt(let what): "record tree: \(what)"
        case .store(let error): "record tree: \(error)"
        }
    }
}

/// A proof and the sealed leaves it names, ready for `propose`.
public struct TreeProof: Sendable {
    /// `RecordTree` encoding, pruned to the batch's keys.
    public let encoding: [UInt8]
    public let leaves: [[UInt8]]
}

/// Node and leaf blobs of the record tree, read through a bounded cache.
public actor RecordTreeStore {
    let store: any RealmStore
    private var cache: [[UInt8]: [UInt8]] = [:]
    private let cacheLimit: Int
    /// The root of the empty tree (a group's genesis root): never stored.
    public static let emptyRoot = CofferCrypto.SHA256.hash(TreeLabel.empty)

    public init(store: any RealmStore, cacheLimit: Int = 200_000) {
        self.store = store
        self.cacheLimit = cacheLimit
    }

    // MARK: Proofs

    /// The tree under `root` pruned to `keys`, with the sealed leaf of each key present.
    public func proof(root: [UInt8], keys: [[UInt8]]) async throws(TreeStoreError) -> TreeProof {
        if root == Self.emptyRoot { return TreeProof(encoding: [0x00], leaves: []) }
        let blob = try await fetch(root, what: "root")
        var reader = BlobReader(blob)
        guard try reader.take(TreeLabel.root.count) == TreeLabel.root else { throw .corrupt("root blob without its label") }
        let (start, length, bits) = try reader.edge()
        let topHash = try reader.take(32)
        guard start == 0, length <= RecordKey.bitCount, reader.isAtEnd else { throw .corrupt("root blob layout") }
        let prefix = KeyBits.unpacked(bits, onto: [UInt8](repeating: 0, count: 32), from: 0, count: length)
        var out: [UInt8] = [0x01, UInt8(length >> 8), UInt8(length & 0xFF)] + bits
        var leaves: [[UInt8]] = []
        let through = keys.filter { KeyBits.agree($0, prefix, from: 0, to: length) }
        try await emit(topHash, prefix: prefix, position: length, keys: through, into: &out, leaves: &leaves)
        return TreeProof(encoding: out, leaves: leaves)
    }

    /// Appends the encoding of the node named `hash` (whose edge ends at `position`): expanded along
    /// `keys` (those that follow its whole edge), a stub elsewhere.
    private func emit(
        _ hash: [UInt8], prefix: [UInt8], position: Int, keys: [[UInt8]], into out: inout [UInt8],
        leaves: inout [[UInt8]]
    ) async throws(TreeStoreError) {
        guard !keys.isEmpty else {
            out += [0x03] + hash
            return
        }
        let blob = try await fetch(hash, what: "tree node")
        var reader = BlobReader(blob)
        if blob.starts(with: TreeLabel.leaf) {
            _ = try reader.take(TreeLabel.leaf.count)
            let key = try reader.take(32)
            let valueHash = try reader.take(32)
            guard position == RecordKey.bitCount, key == prefix, reader.isAtEnd else { throw .corrupt("leaf node layout") }
            out += [0x01] + valueHash
            leaves.append(try await fetch(valueHash, what: "sealed leaf"))
            return
        }
        guard try reader.take(TreeLabel.node.count) == TreeLabel.node else { throw .corrupt("node blob without a label") }
        out.append(0x02)
        for side in 0..<2 {
            let (start, length, bits) = try reader.edge()
            let childHash = try reader.take(32)
            guard start == position, length >= 1, position + length <= RecordKey.bitCount else {
                throw .corrupt("node edge")
            }
            let childPrefix = KeyBits.unpacked(bits, onto: prefix, from: position, count: length)
            guard KeyBits.bit(childPrefix, position) == UInt8(side) else { throw .corrupt("node edge side") }
            out.append(UInt8(length - 1))
            out += bits
            let through = keys.filter { KeyBits.agree($0, childPrefix, from: position, to: position + length) }
            try await emit(childHash, prefix: childPrefix, position: position + length, keys: through, into: &out,
                           leaves: &leaves)
        }
        guard reader.isAtEnd else { throw .corrupt("node blob trailing bytes") }
    }

    // MARK: Writing

    /// Writes the nodes and sealed leaves of the tree `entry` makes from `proof` (the proof its
    /// leader was given), after checking that tree hashes to the entry's new root.
    public func write(entry: RealmLogEntry, proof: [UInt8]) async throws(TreeStoreError) {
        var tree: RecordTree
        do {
            tree = try RecordTree(decoding: proof)
            for change in entry.changes {
                guard let key = RecordKey(change.key) else { throw TreeStoreError.corrupt("a change's key") }
                if let leaf = change.leaf {
                    try tree.upsert(key, valueHash: CofferCrypto.SHA256.hash(leaf))
                } else {
                    try tree.remove(key)
                }
            }
        } catch let error as TreeStoreError {
            throw error
        } catch {
            throw .corrupt("the entry's changes do not apply to its proof: \(error)")
        }
        var blobs: [[UInt8]: [UInt8]] = [:]
        var parser = TreeEncodingParser(tree.encoded())
        let root: [UInt8]
        if let top = try parser.top() {
            let topHash = top.hash(sha256: { CofferCrypto.SHA256.hash($0) }, into: &blobs)
            let preimage = TreeLabel.root + top.edge(from: 0) + topHash
            root = CofferCrypto.SHA256.hash(preimage)
            blobs[root] = preimage
        } else {
            root = Self.emptyRoot
        }
        guard root == entry.newRoot else {
            throw .corrupt("the tree built for entry \(entry.index) does not hash to the root its member computed")
        }
        for change in entry.changes { if let leaf = change.leaf { blobs[CofferCrypto.SHA256.hash(leaf)] = leaf } }
        let new = blobs.filter { cache[$0.key] == nil }
        try await Self.put(new, into: store)
        for (name, bytes) in new { remember(name, bytes) }
    }

    /// Blobs written at once, at most this many in flight.
    static let concurrentPuts = 32

    /// Writes `blobs` concurrently and returns once every one is durable (the entry naming them is
    /// appended only then). An entry makes tens of blobs, each a durable create on its own: one
    /// after the other they took ~10 ms each on a `dir:` store (two fsyncs), most of a commit; at
    /// once, the file system's journal makes them durable in a few shared flushes. Blobs are
    /// immutable and named by their hash, so their order does not matter, and those written before a
    /// failure are harmless.
    private static func put(_ blobs: [[UInt8]: [UInt8]], into store: any RealmStore) async throws(TreeStoreError) {
        let failure: RealmStoreError? = await withTaskGroup(of: RealmStoreError?.self) { group in
            var pending = blobs.makeIterator()
            var inFlight = 0
            var first: RealmStoreError?
            while true {
                while inFlight < concurrentPuts, first == nil, let (name, bytes) = pending.next() {
                    group.addTask {
                        do throws(RealmStoreError) {
                            try await store.putBlob(name: name, bytes: bytes)
                            return nil
                        } catch {
                            return error
                        }
                    }
                    inFlight += 1
                }
                guard let finished = await group.next() else { return first }
                inFlight -= 1
                if first == nil, let error = finished { first = error }
            }
        }
        if let failure { throw .store(failure) }
    }

    // MARK: Blobs

    private func fetch(_ name: [UInt8], what: String) async throws(TreeStoreError) -> [UInt8] {
        if let cached = cache[name] { return cached }
        let found: [UInt8]?
        do {
            found = try await store.getBlob(name: name)
        } catch {
            throw .store(error)
        }
        guard let found else { throw .missing("\(what) \(hex(name))") }
        guard CofferCrypto.SHA256.hash(found) == name else { throw .corrupt("\(what) \(hex(name)) does not hash to its name") }
        remember(name, found)
        return found
    }

    private func remember(_ name: [UInt8], _ bytes: [UInt8]) {
        if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[name] = bytes
    }
}

/// A cursor over a node blob.
struct BlobReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func take(_ count: Int) throws(TreeStoreError) -> [UInt8] {
        guard bytes.count - offset >= count else { throw .corrupt("node blob truncated") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// An edge: start, length, and its packed bits.
    mutating func edge() throws(TreeStoreError) -> (start: Int, length: Int, bits: [UInt8]) {
        let header = try take(4)
        let start = Int(header[0]) << 8 | Int(header[1])
        let length = Int(header[2]) << 8 | Int(header[3])
        guard length <= RecordKey.bitCount else { throw .corrupt("edge length") }
        return (start, length, try take((length + 7) >> 3))
    }
}

/// Lower-case hex, for messages.
func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
}
