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

    /// GetInfo of a device, straight over its transport.
    static func info(_ link: RealmDeviceLink) throws -> GetInfoResponse {
        let body = try link.transport.request(
            CTAPHIDCommand(rawValue: VaultOperation.getInfo.rawValue), payload: VaultRequest.getInfo.encodedPayload())
        let reply = try VaultReply(decoding: body)
        guard reply.status == .ok else { throw RealmAgentFailure(description: "GetInfo refused: \(reply.status)") }
        return try GetInfoResponse(decoding: reply.body)
    }

    /// The draft of a test realm whose members are these devices, in this order.
    func draft(realmID: [UInt8], defaultLimit: UInt8 = 3, maxLimit: UInt8 = 10) throws -> RealmDraft {
        let keys = try links.map { try Self.info($0).identityPublicKey }
        guard
            let group = RealmGroupConfiguration(
                realmID: realmID, groupID: engine.sha256(realmID).prefix(16).map { $0 }, configID: 1, members: keys),
            let draft = RealmDraft(
                realmID: realmID, suite: .p256SHA256, group: group, defaultAttemptLimit: defaultLimit,
                maxAttemptLimit: maxLimit, isTestRealm: true)
        else { throw RealmAgentFailure(description: "no draft for these members") }
        return draft
    }

    /// REALM.md's ceremony: every member checks the draft; member 0 generates; every other member
    /// offers, member 0 exports to it, it imports; all sign the manifest; all join. Returns each
    /// member's sealed secrets.
    @discardableResult
    func ceremony(_ draft: RealmDraft) throws -> [[UInt8]] {
        for (id, link) in links.enumerated() {
            let checked = try link.checkDraft(draft)
            guard checked.memberID == UInt8(id), checked.draftHash == draft.hash(engine: engine) else {
                throw RealmAgentFailure(description: "member \(id) saw the draft as \(checked)")
            }
        }
        let generated = try links[0].generate(draft)
        var sealed = [generated.sealed]
        for link in links.dropFirst() {
            let offer = try link.offer(draft)
            let export = try links[0].export(draft, sealed: generated.sealed, to: offer)
            let imported = try link.importSecrets(export)
            guard imported.manifest == generated.manifest else {
                throw RealmAgentFailure(description: "an importer's manifest differs from the generator's")
            }
            sealed.append(imported.sealed)
        }
        let manifest = generated.manifest
        let signatures = try zip(links, sealed).map { try $0.signManifest(manifest, sealed: $1) }
        try manifest.verify(signatures: signatures, engine: engine)
        for (id, (link, blob)) in zip(links, sealed).enumerated() {
            guard try link.join(manifest, sealed: blob, signatures: signatures) == UInt8(id) else {
                throw RealmAgentFailure(description: "member \(id) joined under another id")
            }
        }
        self.manifest = manifest
        self.signatures = signatures
        return sealed
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
