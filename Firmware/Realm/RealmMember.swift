// A realm member (../shared/REALM.md): the same chip as a standalone device, in realm mode. It keeps
// only its group configuration, the realm secrets and its tail triple; records live in an untrusted
// store as a Merkle tree whose root the member trusts only as its own log says. Sans-I/O: its agent
// hands it messages and carries back what it returns.
//
// As leader it turns a batch of vault requests, with a proof of the leaves they touch against its
// tail root, into the next log entry and keeps every response back; as any member it captures an
// entry read from the store (durably, counter first) and returns its statement; as leader again it
// releases a batch's responses only when statements from a majority of the members name that entry.
// So no KE2 leaves before a majority holds the counted attempt, and two entries at one index can never
// both gather a majority.

import CofferProtocol
import OPAQUE

/// A realm login between its KE2 and KE3, in the leader's RAM only (never sealed out: a replayed
/// success would reset attempts).
struct RealmPendingLogin<ServerState>: PendingEntry {
    var channel: UInt32
    var credentialID: [UInt8]
    /// The record the login counted against; nil for an unknown id (fake KE2). `held` when this
    /// login used the last attempt: the entry destroyed the leaf, and the record survives only here.
    var record: RealmLiveRecord?
    var held: Bool
    var serverState: ServerState

    var keptOnEviction: Bool { held }
}

/// The member's membership, opened at boot or made at join.
struct RealmMembership<Suite: OPAQUECiphersuite> {
    let memberID: UInt8
    let policy: RealmPolicy
    /// Counter 5's value when this group was joined.
    let votedBase: UInt32
    let secrets: RealmSecrets
    let configuration: RealmGroupConfiguration
    let ake: OPAQUEKeyPair<Suite>
    let opaque: OPAQUEServer<Suite>

    init<Engine: CryptoEngine>(
        memberID: UInt8, policy: RealmPolicy, votedBase: UInt32, root: [UInt8], configuration: RealmGroupConfiguration,
        engine: Engine
    ) throws(RealmError) where Engine.Suite == Suite {
        self.memberID = memberID
        self.policy = policy
        self.votedBase = votedBase
        self.configuration = configuration
        secrets = RealmSecrets(root: root, engine: engine)
        do {
            ake = try OPAQUEKeyPair(diffieHellmanSeed: secrets.akeSeed, suite: engine.suite)
            opaque = try OPAQUEServer(
                suite: engine.suite, context: engine.vaultSuite.context, keyPair: ake, oprfSeed: secrets.oprfSeed)
        } catch {
            throw .hal(.cryptoFailure)
        }
    }
}

/// A batch turned into an entry, waiting for its commit.
struct RealmProposal<ServerState> {
    let entry: RealmLogEntry
    let hash: [UInt8]
    /// The root the batch was built on (the tail root when it was made).
    let baseRoot: [UInt8]
    var responses: [RealmResponse]
    /// Logins and registrations that become pending when the responses leave.
    var logins: [RealmPendingLogin<ServerState>]
    var registrations: [PendingRegistration]
    /// Members whose statement for this entry was counted.
    var voters: [UInt8] = []
}

/// A realm member on `board`.
public final class RealmMember<B: Board> {
    public typealias Suite = B.Engine.Suite
    typealias Storage = RealmMemberStorage<B.Flash, B.Counters, B.Engine>

    let board: B
    let storage: Storage
    let keys: DeviceKeys
    let serial: UInt64
    /// The checks this member runs (all of them, except in the simulator's negative twins).
    public let checks: RealmSafetyChecks
    /// What GetInfo says (signed) this chip is.
    public let deviceKind: DeviceKind
    var membership: RealmMembership<Suite>?
    /// True when the membership page is written but does not open.
    public private(set) var isMembershipDamaged = false
    /// The last entry this member durably captured; nil when it lost it (needs a jump).
    public private(set) var tail: RealmTail?
    /// Whether this member returned a statement for its tail (not so after a jump, or a capture at an
    /// index it had voted at before it lost its tail).
    var tailVoted = false
    /// The newest entry this member saw committed (as leader); nil until then. RAM only.
    public private(set) var committed: RealmTail?
    var proposal: RealmProposal<ServerLoginState>?
    var logins: PendingTable<RealmPendingLogin<ServerLoginState>>
    var registrations: PendingTable<PendingRegistration>
    /// The ceremony import this chip offered for and waits to receive (RAM only: one offer, one use).
    var pendingImport: RealmPendingImport<B.Engine>?

    /// Boots realm mode on `board`, whose realm pages start at flash page `firstPage`.
    public init(
        board: B, firstPage: Int, checks: RealmSafetyChecks = .all, pendingCapacity: Int = 64,
        deviceKind: DeviceKind = .hardware
    ) throws(RealmError) {
        self.board = board
        self.deviceKind = deviceKind
        self.checks = checks
        logins = PendingTable(capacity: pendingCapacity)
        registrations = PendingTable(capacity: pendingCapacity)
        guard let fuses = try realm(try board.fuses.read()) else { throw .notMember }
        do throws(FirmwareError) {
            keys = try DeviceKeys(uds: fuses.uds, engine: board.engine)
        } catch {
            throw .hal(.cryptoFailure)
        }
        serial = fuses.serial
        let pageKey = SecretBytes(
            board.engine.hkdf(ikm: fuses.uds, salt: KeyLabel.salt, info: Storage.pageKeyLabel, length: 32))
        storage = Storage(
            flash: board.flash, counters: board.counters, engine: board.engine, firstPage: firstPage, pageKey: pageKey,
            checks: checks)
        guard board.flash.pageCount >= firstPage + Storage.requiredPages(pageSize: board.flash.pageSize),
            board.counters.count > CounterLayout.realmVotedIndex
        else { throw .hal(.outOfRange) }
        switch try realm(try storage.loadMembership()) {
        case .none: break
        case .damaged: isMembershipDamaged = true
        case .member(let id, let policy, let votedBase, let root, let configuration):
            membership = try RealmMembership(
                memberID: id, policy: policy, votedBase: votedBase, root: root, configuration: configuration,
                engine: board.engine)
            let loaded = try realm(try storage.loadTail(configuration: configuration))
            tail = loaded?.tail
            tailVoted = loaded?.voted ?? false
            if let loaded, loaded.voted {
                // A capture cut between its page and its voted index: record the vote it made.
                try realm(try storage.recordVote(at: loaded.tail.index, base: votedBase))
            }
        }
    }

    /// The member's id in its group, nil when not a member.
    public var memberID: UInt8? { membership?.memberID }
    /// The group configuration, nil when not a member.
    public var configuration: RealmGroupConfiguration? { membership?.configuration }
    /// The member's identity public key (what the draft lists).
    public var identityPublicKey: [UInt8] { keys.identityPublicKey }
    /// Whether a batch waits for its commit.
    public var hasProposal: Bool { proposal != nil }
    /// Logins awaiting their KE3 here.
    public var pendingLoginCount: Int { logins.count }

    // MARK: Joining

    /// Joins the group `configuration` with the realm `root` secret the ceremony gave this chip:
    /// writes the membership page, then the genesis tail (counter first). Refused unless this chip's
    /// identity key is one of the members.
    public func join(root: [UInt8], configuration: RealmGroupConfiguration, policy: RealmPolicy) throws(RealmError) {
        guard membership == nil, !isMembershipDamaged else { throw .alreadyMember }
        guard let id = configuration.memberID(of: keys.identityPublicKey) else { throw .notInGroup }
        let votedBase = try realm(try board.counters.read(CounterLayout.realmVotedIndex))
        let joined = try RealmMembership<Suite>(
            memberID: UInt8(id), policy: policy, votedBase: votedBase, root: root, configuration: configuration,
            engine: board.engine)
        try realm(
            try storage.writeMembership(
                memberID: UInt8(id), policy: policy, votedBase: votedBase, root: root, configuration: configuration,
                nonce: board.entropy.randomBytes(12)))
        membership = joined
        let genesis = RealmTail.genesis(configuration, engine: board.engine)
        try realm(
            try storage.persist(
                genesis, voted: false, configuration: configuration, nonce: board.entropy.randomBytes(12), isCapture: false))
        tail = genesis
    }

    /// Forgets the realm: every realm page erased, RAM state dropped.
    public func zeroize() throws(RealmError) {
        try realm(try storage.eraseAll())
        membership = nil
        isMembershipDamaged = false
        tail = nil
        committed = nil
        proposal = nil
        logins.removeAll()
        registrations.removeAll()
        pendingImport = nil
    }

    // MARK: Capture (every member, the leader included)

    /// Captures `entry`, read from the store: it must be the group's (MAC, realm, group, config,
    /// range) and the next on this member's chain. Durable before the statement is returned.
    public func capture(_ entry: RealmLogEntry) throws(RealmError) -> RealmCapture {
        let member = try joined()
        guard let current = tail else { throw .needsJump }
        guard entry.belongs(to: member.configuration) else { throw .wrongGroup }
        guard entry.isAuthentic(macKey: member.secrets.groupMACKey.bytes, engine: board.engine) else { throw .forged }
        guard entry.index == current.index + 1, entry.previousHash == current.entryHash else { throw .notNext }
        let hash = entry.hash(board.engine)
        let captured = RealmTail(index: entry.index, entryHash: hash, root: entry.newRoot)
        // Never two statements at one index: after a lost tail and a jump back, the member follows
        // the chain silently up to the highest index it ever voted at (on-chip, so no page can undo it).
        // REALM.md's order (tail counter, sealed page), then the voted index on chip, then the
        // statement. A cut after the page leaves a page that says "voted" ahead of the counter: boot
        // raises the counter to it before anything is served (the member decided that vote).
        let voted = try realm(try storage.votedIndex(base: member.votedBase))
        let votes = !checks.votesOncePerIndex || entry.index > voted
        try realm(
            try storage.persist(
                captured, voted: votes, configuration: member.configuration, nonce: board.entropy.randomBytes(12)))
        if votes { try realm(try storage.recordVote(at: entry.index, base: member.votedBase)) }
        tail = captured
        tailVoted = votes
        var abandoned: [RealmResponse] = []
        if let waiting = proposal, waiting.entry.index <= entry.index, waiting.hash != hash {
            abandoned = stepDown()
        }
        let statement =
            votes
            ? RealmStatement.make(
                member.configuration, member: member.memberID, index: entry.index, entryHash: hash,
                macKey: member.secrets.groupMACKey.bytes, engine: board.engine) : nil
        return RealmCapture(statement: statement, abandoned: abandoned)
    }

    /// The statement for this member's durably captured tail, again: a leader whose copy was lost on
    /// the way asks for it. It says nothing the first one did not (nil at genesis or without a tail).
    public func tailStatement() -> RealmStatement? {
        guard let member = membership, let current = tail, current.index > 0, tailVoted else { return nil }
        return RealmStatement.make(
            member.configuration, member: member.memberID, index: current.index, entryHash: current.entryHash,
            macKey: member.secrets.groupMACKey.bytes, engine: board.engine)
    }

    /// Moves a member that lost its tail, or is behind, to `entry` on the word of a majority of the
    /// *other* members (never on one peer's): statements for that entry's index and hash.
    public func jump(to entry: RealmLogEntry, certificate: [RealmStatement]) throws(RealmError) {
        let member = try joined()
        guard entry.belongs(to: member.configuration) else { throw .wrongGroup }
        guard entry.isAuthentic(macKey: member.secrets.groupMACKey.bytes, engine: board.engine) else { throw .forged }
        let hash = entry.hash(board.engine)
        var voters: [UInt8] = []
        for statement in certificate
        where statement.member != member.memberID && statement.index == entry.index && statement.entryHash == hash
            && !voters.contains(statement.member)
            && statement.isAuthentic(member.configuration, macKey: member.secrets.groupMACKey.bytes, engine: board.engine)
        {
            voters.append(statement.member)
        }
        let needed = checks.jumpNeedsMajority ? member.configuration.quorum : 1
        guard voters.count >= needed else { throw .certificateInsufficient }
        if let current = tail, current.index >= entry.index { throw .certificateInsufficient }
        let target = RealmTail(index: entry.index, entryHash: hash, root: entry.newRoot)
        try realm(
            try storage.persist(
                target, voted: false, configuration: member.configuration, nonce: board.entropy.randomBytes(12)))
        tail = target
        tailVoted = false
        _ = stepDown()
    }

    // MARK: Leading

    /// Turns `requests` into the next log entry on this member's tail. `proof` is the record tree
    /// pruned to the keys the requests touch, against the tail root; `leaves` are the sealed leaves
    /// it names. The responses stay here until `commit` (or are abandoned).
    public func propose(
        _ requests: [RealmRequest], proof: RecordTree, leaves: [[UInt8]]
    ) throws(RealmError) -> RealmLogEntry {
        let member = try joined()
        guard let current = tail else { throw .needsJump }
        guard proposal == nil else { throw .busy }
        guard !requests.isEmpty, requests.count <= RealmLimits.maxChangesPerEntry else { throw .batchSize }
        guard let base = proofBase else { throw .needsJump }
        let trusted = base.root
        guard board.engine.constantTimeEqual(proof.rootHash(board.engine), trusted) else { throw .proofMismatch }
        let index = current.index + 1
        var batch = RealmBatch(
            member: member, board: board, keys: keys, serial: serial, checks: checks, deviceKind: deviceKind,
            index: index, proof: proof, leaves: leaves)
        var responses: [RealmResponse] = []
        for request in requests {
            let reply = try batch.perform(request, logins: &logins, registrations: &registrations)
            responses.append(RealmResponse(handle: request.handle, reply: reply))
        }
        var tree = proof
        var changes: [RealmChange] = []
        for working in batch.working.sorted(by: { lexicographicallyPrecedes($0.key, $1.key) }) where working.changed {
            guard let treeKey = RecordKey(working.key) else { preconditionFailure("tree keys are HMAC-SHA256 outputs") }
            var leaf: [UInt8]?
            if let record = working.record {
                leaf = try realm(
                    try record.sealed(key: working.key, index: index, secrets: member.secrets, engine: board.engine))
            }
            do throws(RecordTreeError) {
                if let leaf {
                    try tree.upsert(treeKey, valueHash: board.engine.sha256(leaf))
                } else {
                    _ = try tree.remove(treeKey)
                }
            } catch {
                throw .proofIncomplete
            }
            changes.append(RealmChange(key: working.key, leaf: leaf))
        }
        let entry = RealmLogEntry.make(
            configuration: member.configuration, index: index, previousHash: current.entryHash,
            newRoot: tree.rootHash(board.engine), leader: member.memberID, changes: changes,
            macKey: member.secrets.groupMACKey.bytes, engine: board.engine)
        proposal = RealmProposal(
            entry: entry, hash: entry.hash(board.engine), baseRoot: trusted, responses: responses,
            logins: batch.newLogins, registrations: batch.newRegistrations)
        return entry
    }

    /// The tree keys `requests` touch, for the agent to fetch their leaves and proof: the HMAC of
    /// each request's record id (a LoginFinish's is its pending login's). Requests without one
    /// (GetInfo) add nothing.
    public func treeKeys(for requests: [RealmRequest]) -> [[UInt8]] {
        guard let member = membership else { return [] }
        var keys: [[UInt8]] = []
        for request in requests {
            var id: [UInt8]?
            switch request.request {
            case .registerStart(let start): id = start.credentialID
            case .registerFinish(let finish): id = finish.credentialID
            case .loginStart(let start): id = start.credentialID
            case .loginFinish: id = logins.peek(channel: request.channel)?.credentialID
            default: id = nil
            }
            guard let id else { continue }
            let key = board.engine.hmacSHA256(key: member.secrets.recordIndexKey.bytes, message: id)
            if !keys.contains(key) { keys.append(key) }
        }
        return keys
    }

    /// Counts `statements` for the waiting batch's entry (each configured member once, MAC checked,
    /// same index and hash); once a majority holds it, releases its responses.
    public func commit(_ statements: [RealmStatement]) throws(RealmError) -> [RealmResponse] {
        let member = try joined()
        guard var waiting = proposal else { throw .noProposal }
        for statement in statements
        where statement.index == waiting.entry.index && statement.entryHash == waiting.hash
            && !waiting.voters.contains(statement.member)
            && statement.isAuthentic(member.configuration, macKey: member.secrets.groupMACKey.bytes, engine: board.engine)
        {
            waiting.voters.append(statement.member)
        }
        let needed = checks.commitNeedsMajority ? member.configuration.quorum : 1
        guard waiting.voters.count >= needed else {
            proposal = waiting
            return []
        }
        proposal = nil
        committed = RealmTail(index: waiting.entry.index, entryHash: waiting.hash, root: waiting.entry.newRoot)
        for login in waiting.logins { logins.insert(login) }
        for registration in waiting.registrations { registrations.insert(registration) }
        return waiting.responses
    }

    /// Drops the waiting batch (its agent could not append the entry: the index was taken) and
    /// answers each of its requests `abandoned`. Nothing of it was released, so nothing is counted.
    public func stepDown() -> [RealmResponse] {
        guard let waiting = proposal else { return [] }
        proposal = nil
        return waiting.responses.map { RealmResponse(handle: $0.handle, reply: VaultReply(status: .abandoned)) }
    }

    /// The entry whose tree root a batch's proof must match: the tail (REALM.md: never an older
    /// committed root, which would undo increments whose KE2s were released). The negative twin
    /// uses the last root it saw committed (its tail before it saw any).
    public var proofBase: RealmTail? {
        guard let current = tail else { return nil }
        return checks.proofsAgainstTail ? current : (committed ?? current)
    }

    /// The entry of the batch waiting for its commit.
    public var proposedEntry: RealmLogEntry? { proposal?.entry }

    // MARK: Helpers

    func joined() throws(RealmError) -> RealmMembership<Suite> {
        if isMembershipDamaged { throw .membershipDamaged }
        guard let membership else { throw .notMember }
        return membership
    }
}
