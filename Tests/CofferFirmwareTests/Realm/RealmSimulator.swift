// A deterministic simulator of a realm group (../shared/REALM.md "Proof"): N real firmware members on
// memory chips, their agents, an adversarial store and network, power cuts at any durable write, page
// swaps of a member's flash, and OPAQUE clients (owners and guessers) - all driven by one seeded
// generator, so a failing seed replays. After every step a checker that knows the realm's secrets
// (and trusts nothing the members say about themselves) checks the invariants:
//   1. one chain: no two entries at one index are each captured by a majority;
//   2. every released response follows an entry a majority captured;
//   3. per record, OPRF evaluations under that record's key released since its last success (counted
//      by checking Z = k·B on the wire, before and after it existed) stay within its limit;
//   4. with an honest store and a majority up, every request ends answered (checked after a calm).

import CofferCrypto
import Foundation
import CofferMemoryChip
import CofferProtocol
import OPAQUE

@testable import CofferFirmware

typealias SimEngine = OpenSSLCryptoEngine<P256SHA256Suite>
typealias SimBoard = ChipBoard<MemoryFuses, MemoryCounterBank, MemoryFlash, SeededEntropy, SimEngine>

/// SplitMix64: the simulation's only source of choices.
struct SimRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}

/// What the adversary may do in a run.
struct SimFaults {
    /// Power cuts at a random durable write of a random member.
    var powerCuts = true
    /// The store accepts a second entry at a taken index and shows different ones to different agents.
    var equivocatingStore = false
    /// The adversary records every realm page a member writes and puts an old one back while it is off.
    var pageSwaps = false
    /// Statements are dropped, duplicated and delayed.
    var lossyNetwork = true
    /// A second agent tries to lead at the same time.
    var racingLeaders = true
    /// Members behind or without a tail are made to jump, on any certificate the adversary can build.
    var jumps = true

    static let honest = SimFaults(powerCuts: false, equivocatingStore: false, pageSwaps: false, lossyNetwork: false,
                                  racingLeaders: false, jumps: false)
}

/// One violated invariant, with the step it was found at.
struct SimViolation: Error, CustomStringConvertible {
    let seed: UInt64
    let step: Int
    let what: String
    var description: String { "seed \(seed), step \(step): \(what)" }
}

/// One member chip: memories that outlive its firmware instances.
final class SimChip {
    let power = PowerCut()
    let fuses: MemoryFuses
    let counters: MemoryCounterBank
    let flash: MemoryFlash
    let board: SimBoard
    var member: RealmMember<SimBoard>?
    /// Every realm flash image the adversary has seen (for page swaps).
    var images: [[UInt8]] = []
    /// Over the wire: the entry the agent's member proposed and has not committed or dropped, as the
    /// agent knows it from the member's replies.
    var agentProposal: RealmLogEntry?

    init(index: Int, seed: UInt64, engine: SimEngine) {
        fuses = MemoryFuses(
            contents: FuseContents(
                uds: [UInt8](repeating: UInt8(index + 1), count: 32), serial: UInt64(1000 + index), suite: .p256SHA256),
            power: power)
        counters = MemoryCounterBank(count: CounterLayout.globalCount, power: power)
        flash = MemoryFlash(pageSize: MemoryChip.pageSize, pageCount: 6, power: power)
        board = ChipBoard(
            fuses: fuses, counters: counters, flash: flash, entropy: SeededEntropy(seed: seed &+ UInt64(index) &* 7919),
            engine: engine)
    }
}

/// A client's request waiting at an agent.
struct SimQueued {
    let client: Int
    let request: RealmRequest
}

/// The realm group under simulation.
final class RealmSimulation {
    let seed: UInt64
    let n: Int
    let limit: UInt8
    let faults: SimFaults
    let checks: RealmSafetyChecks
    var random: SimRandom
    let engine = SimEngine(suite: testSuite)
    let chips: [SimChip]
    let configuration: RealmGroupConfiguration
    let secrets: RealmSecrets
    let oprf: OPAQUEServer<P256SHA256Suite>

    // The store: index → entries (more than one only on an equivocating store).
    var log: [UInt64: [RealmLogEntry]] = [:]
    var entries: [[UInt8]: RealmLogEntry] = [:]
    /// Per agent: the highest index the store shows it (an equivocating store hides newer ones).
    var hiddenAbove: [UInt64?]

    // Agents.
    var queues: [[SimQueued]]
    /// What each agent's member proposed, and who asked.
    var inFlight: [[UInt64: Int]]
    var statementsFor: [[RealmStatement]]
    var leader = 0
    var network: [(to: Int, statement: RealmStatement)] = []

    // Clients.
    var clients: [SimClient] = []
    var nextHandle: UInt64 = 1

    // The checker's knowledge (ground truth, from the realm secrets and every statement made).
    var votes: [UInt64: [[UInt8]: Set<UInt8>]] = [:]
    var evaluations: [[UInt8]: [(blinded: [UInt8], evaluated: [UInt8])]] = [:]
    var records: [SimRecordTrack] = []
    /// Per entry hash: ids whose owner sent a LoginFinish in that entry's batch.
    var successfulFinishes: [[UInt8]: [[UInt8]]] = [:]
    /// Per entry hash: the ids of its batch's LoginStarts (one entry per LoginStart).
    var batchLoginStarts: [[UInt8]: [[UInt8]]] = [:]
    /// Committed entries (a majority's statements) by index.
    var committedAt: [UInt64: [UInt8]] = [:]
    /// Committed entries the checker has read.
    var observed: Set<[UInt8]> = []
    /// Per agent: the statements its member returned, which the agent keeps and sends again when a
    /// leader asks (a statement lost on the network is not lost for good).
    var produced: [[RealmStatement]] = []
    /// Scenario control: the entry the store shows an agent at an index (an equivocating store).
    var shows: [Int: [UInt64: [UInt8]]] = [:]
    /// Scenario control: an equivocating store takes every second entry at a taken index.
    var acceptsForks = false
    var step = 0
    var stepsRun = 0
    /// Set when the faults left fewer than a majority of members with a tail (the group stops).
    var stalled = false
    /// Owners stay quiet before this step (guessers harvest first).
    var ownersWaitUntil = 0
    /// Released KE2s and RegisterStart answers (OPRF evaluations), and LoginStarts refused as destroyed.
    var releasedEvaluations = 0
    var destroyedSeen = 0
    /// Prints what happens (COFFER_SIM_TRACE=1), to follow a failing seed.
    let tracing = ProcessInfo.processInfo.environment["COFFER_SIM_TRACE"] != nil
    func trace(_ line: @autoclosure () -> String) { if tracing { print("step \(step): \(line())") } }
    /// Sees every reply a client gets (diagnostics).
    var onAnswer: ((Int, VaultReply) -> Void)?
    /// Agents reach their members only through `RealmMember.handle(command:payload:)` bytes (RealmLink).
    var overWire = false

    init(seed: UInt64, members: Int, limit: UInt8 = 3, faults: SimFaults, checks: RealmSafetyChecks = .all,
         owners: Int = 2, guessers: Int = 2) throws {
        self.seed = seed
        n = members
        self.limit = limit
        self.faults = faults
        self.checks = checks
        random = SimRandom(state: seed)
        chips = (0..<members).map { SimChip(index: $0, seed: seed, engine: SimEngine(suite: testSuite)) }
        var keys: [[UInt8]] = []
        for chip in chips {
            let member = try RealmMember(board: chip.board, firstPage: 0, checks: checks)
            keys.append(member.identityPublicKey)
        }
        configuration = RealmGroupConfiguration(
            realmID: [UInt8](repeating: 0xA1, count: 16), groupID: [UInt8](repeating: 0xB2, count: 16), configID: 1,
            members: keys)!
        let root = SeededEntropy(seed: seed ^ 0x5EC2E7).randomBytes(32)
        secrets = RealmSecrets(root: root, engine: engine)
        let ake = try OPAQUEKeyPair(diffieHellmanSeed: secrets.akeSeed, suite: testSuite)
        oprf = try OPAQUEServer(suite: testSuite, context: VaultOPAQUE.context, keyPair: ake, oprfSeed: secrets.oprfSeed)
        let policy = RealmPolicy(defaultAttemptLimit: limit, maxAttemptLimit: limit)!
        for chip in chips {
            let member = try RealmMember(board: chip.board, firstPage: 0, checks: checks)
            try member.join(root: root, configuration: configuration, policy: policy)
            chip.member = member
            chip.images.append(chip.flash.image)
        }
        hiddenAbove = Array(repeating: nil, count: members)
        queues = Array(repeating: [], count: members)
        inFlight = Array(repeating: [:], count: members)
        statementsFor = Array(repeating: [], count: members)
        produced = Array(repeating: [], count: members)
        for i in 0..<owners {
            clients.append(SimClient(index: clients.count, id: Array("owner-\(i)".utf8), password: Array("right-\(i)".utf8),
                                     owner: true, seed: seed &+ UInt64(100 + i)))
        }
        for i in 0..<guessers {
            // Guessers aim at the owners' ids with wrong passwords (and at an id nobody registers).
            let target = i % (owners + 1) == owners ? Array("nobody".utf8) : Array("owner-\(i % max(owners, 1))".utf8)
            clients.append(SimClient(index: clients.count, id: target, password: Array("guess-\(i)".utf8),
                                     owner: false, seed: seed &+ UInt64(200 + i)))
        }
    }

    // MARK: Running

    /// Runs `steps` random steps with the faults on, then (when `calm`) heals everything and runs
    /// until every request is answered. Throws the first violation.
    func run(steps: Int, calm: Bool = true) throws {
        for _ in 0..<steps {
            step += 1
            try randomStep()
            try check()
        }
        stepsRun = step
        guard calm, !faults.equivocatingStore else { return }
        try settle()
    }

    /// Heals the group (power back, everyone rebooted, no more faults) and drives it until no
    /// request is left unanswered; a request still waiting after that is a liveness violation.
    func settle() throws {
        for chip in chips { chip.power.restore() }
        for index in 0..<n where chips[index].member == nil { reboot(index) }
        hiddenAbove = Array(repeating: nil, count: n)
        for index in 0..<n { try sync(index) }
        for index in 0..<n { jumpIfNeeded(index, honestOnly: true) }
        // Members whose tail page a cut or a swap took vote again only after a certified jump: with
        // fewer than a majority left, the group stays stopped (safe, not live), and there is no
        // liveness to check.
        guard chips.filter({ $0.member?.tail != nil }).count >= configuration.quorum else {
            stalled = true
            return
        }
        for _ in 0..<400 {
            step += 1
            for index in 0..<n { try sync(index) }
            for index in 0..<n { jumpIfNeeded(index, honestOnly: true) }
            for index in 0..<n { try resendStatements(to: index) }
            deliverAll()
            for index in 0..<n { try commitIfPossible(index) }
            if let able = (0..<n).first(where: { chips[$0].member?.tail?.index == lastIndex(visibleTo: $0) }),
                chips[leader].member?.tail?.index != lastIndex(visibleTo: leader)
            {
                leader = able
            }
            if memberWaiting(leader) == nil {
                if queues[leader].isEmpty && inFlight.allSatisfy({ $0.isEmpty }) && queues.allSatisfy({ $0.isEmpty }) {
                    break
                }
                for other in 0..<n where other != leader {
                    // Requests left at an agent that no longer leads are answered "abandoned".
                    answerAbandoned(other)
                }
                try propose(leader)
            }
            try check()
        }
        stepsRun = step
        let waiting = clients.filter { $0.waiting }
        if !waiting.isEmpty, ProcessInfo.processInfo.environment["COFFER_SIM_TRACE"] != nil {
            for client in waiting {
                print("waiting: client \(client.index) sent \(String(describing: client.lastSent)) sticky \(String(describing: client.sticky))")
            }
            for agent in 0..<n {
                let member = chips[agent].member
                print("agent \(agent): tail \(String(describing: member?.tail?.index)) proposal \(String(describing: member?.proposedEntry?.index)) queue \(queues[agent].count) inFlight \(inFlight[agent].count) store last \(lastIndex(visibleTo: agent)) leader \(leader)")
            }
        }
        guard waiting.isEmpty else {
            throw SimViolation(seed: seed, step: step, what: "liveness: \(waiting.count) request(s) never answered")
        }
    }

    func randomStep() throws {
        let roll = random.below(100)
        switch roll {
        case 0..<25:
            clientAct(random.below(clients.count))
        case 25..<40:
            try propose(actingLeader())
        case 40..<52:
            try sync(random.below(n))
        case 52..<65:
            // An agent's usual round: its member catches up, then statements flow to the leader.
            for agent in 0..<n { try sync(agent) }
            try commitIfPossible(leader)
        case 65..<76:
            deliver()
        case 76..<78:
            try resendStatements(to: random.below(n))
        case 78..<88:
            try commitIfPossible(random.chance(80) ? leader : random.below(n))
        case 88..<91:
            if faults.powerCuts { armCut(random.below(n)) }
        case 91..<94:
            reboot(random.below(n))
        case 94..<96:
            if faults.racingLeaders || random.chance(30) { leader = random.below(n) }
        case 96..<98:
            if faults.jumps { jumpIfNeeded(random.below(n), honestOnly: false) }
        default:
            if faults.equivocatingStore { hideNewest(random.below(n)) }
        }
    }

    /// The agent that acts as leader this step: the routed one, or (racing) any.
    func actingLeader() -> Int { faults.racingLeaders && random.chance(20) ? random.below(n) : leader }

    // MARK: Clients

    func clientAct(_ index: Int) {
        guard !clients[index].waiting, !(clients[index].owner && step < ownersWaitUntil) else { return }
        let request: RealmRequest
        if let followUp = clients[index].followUp {
            clients[index].followUp = nil
            clients[index].lastSent = followUp.operation
            request = RealmRequest(handle: nextHandle, channel: clients[index].channel, request: followUp)
        } else {
            guard let next = clients[index].nextRequest(handle: nextHandle) else { return }
            request = next
        }
        nextHandle += 1
        // A RegisterFinish or LoginFinish goes where its start was answered (the leader that holds it).
        let agent = clients[index].sticky ?? leader
        queues[agent].append(SimQueued(client: index, request: request))
        clients[index].waiting = true
    }

    func answer(_ client: Int, _ reply: VaultReply, agent: Int, released: Bool) throws {
        onAnswer?(client, reply)
        if released { try observeRelease(client: client, reply: reply) }
        clients[client].receive(reply, agent: agent, limitHint: limit)
    }

    func answerAbandoned(_ agent: Int) {
        for queued in queues[agent] {
            clients[queued.client].receive(VaultReply(status: .abandoned), agent: agent, limitHint: limit)
        }
        queues[agent].removeAll()
    }

    // MARK: Agents

    /// The agent's leader step: batch its queue into an entry, append it, capture it itself.
    func propose(_ agent: Int) throws {
        guard let member = chips[agent].member, memberWaiting(agent) == nil, !queues[agent].isEmpty,
            let tail = memberTail(member)
        else { return }
        // Lead only on the store's last entry (an agent first catches its member up).
        guard lastIndex(visibleTo: agent) == tail.index else { return }
        let batch = Array(queues[agent].prefix(8))
        queues[agent].removeFirst(batch.count)
        guard let base = memberProofBase(member) else { return }
        let state = treeState(at: base.entryHash)
        let keys = batch.compactMap { treeKey(of: $0.request, member: member) }.compactMap(RecordKey.init)
        let proof = state.tree.pruned(covering: keys, engine: engine)
        let leaves = keys.compactMap { state.leaves[$0.bytes] }
        let entry: RealmLogEntry
        do {
            entry = try memberPropose(member, batch.map(\.request), proof: proof, leaves: leaves)
        } catch RealmError.hal {
            crashed(agent)
            for queued in batch { try answer(queued.client, VaultReply(status: .abandoned), agent: agent, released: false) }
            return
        }
        for queued in batch { inFlight[agent][queued.request.handle] = queued.client }
        entryBase[entry.hash(engine)] = base.entryHash
        // Which ids an owner's KE3 (made from a KE2 its right password opened) may re-base here.
        successfulFinishes[entry.hash(engine)] = batch.compactMap {
            guard case .loginFinish = $0.request.request, clients[$0.client].owner else { return nil }
            return clients[$0.client].id
        }
        batchLoginStarts[entry.hash(engine)] = batch.compactMap {
            guard case .loginStart(let start) = $0.request.request else { return nil }
            return start.credentialID
        }
        statementsFor[agent] = []
        if !append(entry) {
            for response in memberStepDown(member) { try deliverResponse(response, agent: agent, released: false) }
            return
        }
        try sync(agent)
    }

    /// Conditional append; an equivocating store sometimes takes a second entry at a taken index.
    func append(_ entry: RealmLogEntry) -> Bool {
        entries[entry.hash(engine)] = entry
        if let taken = log[entry.index] {
            guard faults.equivocatingStore, acceptsForks || random.chance(50), !taken.contains(entry) else { return false }
            log[entry.index] = taken + [entry]
            return true
        }
        log[entry.index] = [entry]
        return true
    }

    func lastIndex(visibleTo agent: Int) -> UInt64 {
        var index: UInt64 = 0
        while log[index + 1] != nil && (hiddenAbove[agent].map { index + 1 <= $0 } ?? true) { index += 1 }
        return index
    }

    /// The entry the store shows `agent` at `index`.
    func read(_ index: UInt64, by agent: Int) -> RealmLogEntry? {
        if let hidden = hiddenAbove[agent], index > hidden { return nil }
        guard let list = log[index], !list.isEmpty else { return nil }
        if let wanted = shows[agent]?[index], let shown = list.first(where: { $0.hash(engine) == wanted }) {
            return shown
        }
        return list[random.below(list.count)]
    }

    func hideNewest(_ agent: Int) {
        let last = lastIndex(visibleTo: agent)
        hiddenAbove[agent] = last > 0 ? last - UInt64(random.below(2)) : nil
    }

    /// The agent feeds its member the entries after its tail, in order; statements go to the leader
    /// that made each entry.
    func sync(_ agent: Int) throws {
        guard let member = chips[agent].member, let tail = memberTail(member) else { return }
        var index = tail.index + 1
        while let entry = read(index, by: agent) {
            guard entry.previousHash == memberTail(member)?.entryHash else { return }
            let captured: RealmCapture
            do {
                captured = try memberCapture(member, entry)
            } catch RealmError.hal {
                crashed(agent)
                return
            }
            chips[agent].images.append(chips[agent].flash.image)
            for response in captured.abandoned { try deliverResponse(response, agent: agent, released: false) }
            if let statement = captured.statement {
                produced[agent].append(statement)
                if produced[agent].count > 16 { produced[agent].removeFirst() }
                try vote(statement)
                let to = Int(entry.leader)
                if to == agent {
                    statementsFor[agent].append(statement)
                } else {
                    network.append((to: to, statement: statement))
                }
            }
            index += 1
        }
    }

    func deliver() {
        guard !network.isEmpty else { return }
        let pick = random.below(network.count)
        let message = network[pick]
        if faults.lossyNetwork && random.chance(10) {
            network.remove(at: pick)  // dropped
            return
        }
        if !(faults.lossyNetwork && random.chance(10)) { network.remove(at: pick) }  // else duplicated
        statementsFor[message.to].append(message.statement)
    }

    /// A leader's agent asks the others for their tail statements again (lost ones are resent).
    func resendStatements(to agent: Int) throws {
        guard let waiting = memberWaiting(agent) else { return }
        let hash = waiting.hash(engine)
        for other in 0..<n where other != agent {
            if let kept = produced[other].last(where: { $0.index == waiting.index && $0.entryHash == hash }) {
                network.append((to: agent, statement: kept))
                continue
            }
            guard let peer = chips[other].member, let statement = memberTailStatement(peer), statement.index == waiting.index else { continue }
            try vote(statement)
            network.append((to: agent, statement: statement))
        }
    }

    func deliverAll() {
        for message in network { statementsFor[message.to].append(message.statement) }
        network.removeAll()
    }

    /// The leader member counts the statements it has; released responses go to their clients.
    func commitIfPossible(_ agent: Int) throws {
        guard let member = chips[agent].member, let entry = memberWaiting(agent) else { return }
        let released: [RealmResponse]
        do {
            released = try memberCommit(member, statementsFor[agent])
        } catch {
            return
        }
        guard !released.isEmpty else { return }
        try checkCommitted(entry)
        statementsFor[agent] = []
        for response in released { try deliverResponse(response, agent: agent, released: true) }
    }

    func deliverResponse(_ response: RealmResponse, agent: Int, released: Bool) throws {
        guard let client = inFlight[agent].removeValue(forKey: response.handle) else { return }
        try answer(client, response.reply, agent: agent, released: released)
    }

    /// A member that failed a durable write lost power: its RAM (pending logins, its batch) is gone.
    func crashed(_ agent: Int) {
        trace("member \(agent) lost power")
        chips[agent].member = nil
        chips[agent].agentProposal = nil
        for (_, client) in inFlight[agent] {
            clients[client].receive(VaultReply(status: .abandoned), agent: agent, limitHint: limit)
        }
        inFlight[agent] = [:]
        answerAbandoned(agent)
        statementsFor[agent] = []
    }

    func armCut(_ index: Int) {
        guard chips[index].member != nil else { return }
        chips[index].power.cut(afterWrites: random.below(3))
    }

    func reboot(_ index: Int) {
        let chip = chips[index]
        if chip.member != nil {
            guard chip.power.isCut else { return }
            crashed(index)
        }
        chip.power.restore()
        if faults.pageSwaps, chip.images.count > 1, random.chance(50) {
            // Put back one old realm block (a tail page) the adversary recorded.
            let pick = random.below(chip.images.count - 1)
            let old = chip.images[pick]
            let block = 1 + random.below(2)
            trace("member \(index): block \(block) of image \(pick)/\(chip.images.count) put back")
            let pagesPerBlock = 1024 / MemoryChip.pageSize
            for page in block * pagesPerBlock..<(block + 1) * pagesPerBlock {
                try? chip.flash.erase(page: page)
                let start = page * MemoryChip.pageSize
                try? chip.flash.program(offset: start, bytes: Array(old[start..<start + MemoryChip.pageSize]))
            }
        }
        chip.member = try? RealmMember(board: chip.board, firstPage: 0, checks: checks)
        trace("member \(index) rebooted: tail \(String(describing: chip.member?.tail?.index)) counter \((try? chip.counters.read(CounterLayout.realmTail)) ?? 0)")
    }

    /// A member without a tail, or behind the store, is moved to an entry the adversary can
    /// certify: any entry with statements from other members (honest: only a majority's).
    func jumpIfNeeded(_ index: Int, honestOnly: Bool) {
        guard let member = chips[index].member else { return }
        let own = member.tail?.index ?? 0
        let candidates = votes.filter { $0.key > own }.sorted { $0.key > $1.key }
        for (entryIndex, byHash) in candidates {
            for (hash, voters) in byHash {
                let others = voters.subtracting([UInt8(index)])
                if honestOnly && others.count < configuration.quorum { continue }
                guard let entry = entries[hash] else { continue }
                let certificate = others.map {
                    RealmStatement.make(
                        configuration, member: $0, index: entryIndex, entryHash: hash,
                        macKey: secrets.groupMACKey.bytes, engine: engine)
                }
                // Only statements that were really made are offered: `others` come from `votes`.
                do {
                    try memberJump(member, to: entry, certificate: certificate)
                    trace("member \(index) jumped to \(entryIndex):\(hash.prefix(2).map { String($0) }) on \(others.sorted())")
                    chips[index].images.append(chips[index].flash.image)
                    return
                } catch RealmError.hal {
                    crashed(index)
                    return
                } catch {
                    continue
                }
            }
        }
    }

    func treeKey(of request: RealmRequest, member: RealmMember<SimBoard>) -> [UInt8]? {
        memberTreeKeys(member, for: [request]).first
    }

    // MARK: The agents' view of the tree

    struct TreeState {
        var tree: RecordTree
        var leaves: [[UInt8]: [UInt8]]
    }

    var treeCache: [[UInt8]: TreeState] = [:]
    /// Per entry: the entry whose tree its leader's proof was against.
    var entryBase: [[UInt8]: [UInt8]] = [:]

    /// The record tree after the entry named `hash`: the tree its leader built it on (its proof base)
    /// with its changes applied, as the leader's agent writes it to the store.
    func treeState(at hash: [UInt8]) -> TreeState {
        if let cached = treeCache[hash] { return cached }
        guard let entry = entries[hash] else { return TreeState(tree: RecordTree(), leaves: [:]) }
        var state = treeState(at: entryBase[hash] ?? entry.previousHash)
        for change in entry.changes {
            let key = RecordKey(change.key)!
            if let leaf = change.leaf {
                try? state.tree.upsert(key, valueHash: engine.sha256(leaf))
                state.leaves[change.key] = leaf
            } else {
                _ = try? state.tree.remove(key)
                state.leaves[change.key] = nil
            }
        }
        treeCache[hash] = state
        return state
    }
}
