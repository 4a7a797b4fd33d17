// A realm's agent for tests, over RealmDeviceLink: it runs the ceremony on the group's devices, keeps
// the log and the record tree in memory (the store's part; issue 13 puts them in etcd), and drives each
// vault request through one batch: tree keys → propose (the whole tree as the proof, and the leaves the
// batch touches) → capture on every member → commit at the leader → the released reply.

import CTAPHID
import CofferCrypto
import CofferFirmware
import CofferHost
import CofferProtocol

struct RealmAgentFailure: Error, CustomStringConvertible {
    let description: String
}

final class RealmTestAgent {
    let links: [RealmDeviceLink]
    let engine = OpenSSLCryptoEngine(suite: P256SHA256Suite())
    /// The manifest every member signed, and the signatures in member-id order.
    private(set) var manifest: RealmManifest?
    private(set) var signatures: [[UInt8]] = []
    /// The committed log (the store's copy) and the record tree its last entry names.
    private(set) var log: [RealmLogEntry] = []
    private(set) var tree = RecordTree()
    private(set) var leaves: [[UInt8]: [UInt8]] = [:]
    /// Which member leads.
    var leader = 0
    private var nextHandle: UInt64 = 1

    init(links: [RealmDeviceLink]) { self.links = links }

    /// Takes over another agent's store (log, tree, leaves) and leader, as a new agent process would
    /// read them from the store; handles continue after its.
    func adopt(_ other: RealmTestAgent) {
        manifest = other.manifest
        signatures = other.signatures
        log = other.log
        tree = other.tree
        leaves = other.leaves
        leader = other.leader
        nextHandle = other.nextHandle
    }

    /// The draft of a test realm whose members are these devices, in this order.
    func draft(realmID: [UInt8], defaultLimit: UInt8 = 3, maxLimit: UInt8 = 10) throws -> RealmDraft {
        try RealmCeremonyDriver.draft(
            links: links, realmID: realmID, defaultLimit: defaultLimit, maxLimit: maxLimit, isTestRealm: true)
    }

    /// REALM.md's ceremony on these devices (RealmCeremonyDriver); returns each member's sealed secrets.
    @discardableResult
    func ceremony(_ draft: RealmDraft) throws -> [[UInt8]] {
        let result = try RealmCeremonyDriver.run(draft, links: links)
        manifest = result.manifest
        signatures = result.signatures
        return result.sealed
    }

    /// One vault request as one batch of the group, on `channel`: its released reply.
    func run(_ request: VaultRequest, channel: UInt32 = 1) throws -> VaultReply {
        let handle = nextHandle
        nextHandle += 1
        let batch = [RealmRequest(handle: handle, channel: channel, request: request)]
        let keys = try links[leader].treeKeys(batch)
        let touched = keys.compactMap { leaves[$0] }
        let entry = try links[leader].propose(batch, proof: tree.encoded(), leaves: touched)
        // The store appends the entry; every member captures it from there.
        log.append(entry)
        var statements: [RealmStatement] = []
        for link in links {
            if let statement = try link.capture(entry).statement { statements.append(statement) }
        }
        let released = try links[leader].commit(statements)
        guard released.count == 1, released[0].handle == handle else {
            throw RealmAgentFailure(description: "the leader released \(released) for handle \(handle)")
        }
        try apply(entry)
        return released[0].reply
    }

    /// The store's tree after `entry`.
    private func apply(_ entry: RealmLogEntry) throws {
        for change in entry.changes {
            guard let key = RecordKey(change.key) else { throw RealmAgentFailure(description: "a bad tree key") }
            if let leaf = change.leaf {
                try tree.upsert(key, valueHash: engine.sha256(leaf))
                leaves[change.key] = leaf
            } else {
                _ = try tree.remove(key)
                leaves[change.key] = nil
            }
        }
        guard tree.rootHash(engine) == entry.newRoot else {
            throw RealmAgentFailure(description: "the tree after entry \(entry.index) is not the entry's root")
        }
    }
}
