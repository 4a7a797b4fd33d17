// The agent as leader (REALM.md "One change"): batch the queued requests while the previous entry is
// in flight; tree keys → proof from the store → propose → write the entry's tree → conditional append
// → own capture → ask the witnesses' agents to capture → commit → each released reply to its waiter.
// A lost append steps the member down and answers its batch `abandoned`; with fewer than a majority
// of members answering, nothing is proposed and the waiters hear 503.

import CofferCrypto
import CofferFirmware
import CofferProtocol
import CofferRealmStore

/// How one proposal attempt ended.
enum ProposeResult {
    case done
    /// The batch's proof, entry or replies would not fit one link message: propose fewer.
    case tooLarge
}

extension RealmAgent {
    /// Drives the leader's work while the agent runs.
    func leaderLoop() async {
        while !stopped, !Task.isCancelled {
            if isLeader, inFlight != nil {
                if !queue.isEmpty, !hasQuorum { failQueue(.unavailable(noQuorumReason)) }
                await driveCommit()
                if inFlight != nil { await pause(settings.timing.heartbeat) }
            } else if isLeader, !queue.isEmpty {
                await proposeNext()
            } else {
                await pause(settings.timing.heartbeat)
            }
        }
    }

    /// Whether this member and the peers heard from recently make a majority.
    var hasQuorum: Bool { reachablePeers().count + 1 >= configuration.quorum }

    var noQuorumReason: String {
        "only \(reachablePeers().count + 1) of the group's \(configuration.members.count) members answer and "
            + "\(configuration.quorum) are needed: nothing was proposed, no guess was spent"
    }

    /// Takes the next batch off the queue and proposes it (halving it while it does not fit).
    func proposeNext() async {
        guard hasQuorum else {
            failQueue(.unavailable(noQuorumReason))
            return
        }
        var count = min(queue.count, settings.maxBatch)
        var batch = Array(queue.prefix(count).map(\.request))
        queue.removeFirst(count)
        while true {
            let result = await withMember { await proposeLocked(batch) }
            guard case .tooLarge = result, count > 1 else { return }
            count /= 2
            queue.insert(contentsOf: batch[count...].map(Queued.init), at: 0)
            batch = Array(batch[..<count])
        }
    }

    /// One proposal, with the member to itself.
    func proposeLocked(_ batch: [RealmRequest]) async -> ProposeResult {
        await syncLocked()
        guard isLeader, let current = tail, current.index == storeLast else {
            for request in batch { finish(request.handle, .reply(abandonedReply)) }
            return .done
        }
        var proposed = false
        do {
            let keys = try await member.treeKeys(batch)
            guard let base = try await member.info().proofBase else { throw MemberFailure.refused(.needsJump) }
            let proof = try await tree.proof(root: base.root, keys: keys)
            let payload = RealmLinkRequest.propose(requests: batch, proof: proof.encoding, leaves: proof.leaves)
            if payload.encodedPayload().count > RealmLinkLimits.maxMessageLength, batch.count > 1 { return .tooLarge }
            guard let entry = try await proposeEntry(batch, proof: proof) else { return .tooLarge }
            proposed = true
            try await tree.write(entry: entry, proof: proof.encoding)
            let appended = try await store.append(group: group, index: entry.index, entry: entry.encoded())
            guard appended else {
                proposed = false
                for response in try await member.stepDown() {
                    finish(response.handle, .reply(response.reply.encoded()))
                }
                logger.notice("entry \(entry.index) was taken by another leader: stepped down")
                await loseLeadership()
                await syncLocked()
                return .done
            }
            let hash = CofferCrypto.SHA256.hash(entry.encoded())
            inFlight = InFlight(entry: entry, hash: hash, handles: batch.map(\.handle), started: clock.now)
            try await captureLocked(entry)
            if let own = kept[entry.index], own.entryHash == hash { inFlight?.statements[memberID] = own }
        } catch {
            if proposed, inFlight == nil { _ = try? await member.stepDown() }
            if inFlight == nil {
                logger.warning("batch of \(batch.count) not proposed: \(error)")
                for request in batch { finish(request.handle, .unavailable("the leader could not propose: \(error)")) }
            } else {
                logger.warning("own capture failed: \(error)")
            }
        }
        return .done
    }

    /// Asks the member to propose; nil when the batch would not fit one message (and has more than
    /// one request). A batch left from before this agent started (its waiters are gone) is dropped.
    func proposeEntry(_ batch: [RealmRequest], proof: TreeProof) async throws -> RealmLogEntry? {
        do {
            return try await member.propose(batch, proof: proof.encoding, leaves: proof.leaves)
        } catch let failure {
            switch failure {
            case .refused(.busy):
                _ = try await member.stepDown()
                return try await member.propose(batch, proof: proof.encoding, leaves: proof.leaves)
            case .linkStatus(let status) where status == RealmLinkStatus.tooLarge && batch.count > 1:
                return nil
            default:
                throw failure
            }
        }
    }

    /// Gathers statements for the entry in flight and commits it once a majority holds it.
    func driveCommit() async {
        guard let flight = inFlight else { return }
        let index = flight.entry.index
        let missing = (0..<configuration.members.count).map(UInt8.init).filter {
            $0 != memberID && flight.statements[$0] == nil
        }
        let client = peers
        let timeout = settings.timing.peerTimeout
        let hash = flight.hash
        let addresses = missing.compactMap { id in peerAddress[id].map { (id, $0) } }
        // Enough statements end the round: a silent peer (stopped, partitioned) does not hold it up.
        let needed = configuration.quorum - flight.statements.count
        let found = await withTaskGroup(of: (UInt8, RealmStatement?).self) { tasks in
            for (id, address) in addresses {
                tasks.addTask { (id, await client.capture(at: address, index: index, entryHash: hash, timeout: timeout)) }
            }
            var out: [(UInt8, RealmStatement?)] = []
            for await answer in tasks {
                out.append(answer)
                if out.filter({ $0.1 != nil }).count >= needed {
                    tasks.cancelAll()
                    break
                }
            }
            return out
        }
        guard inFlight?.hash == flight.hash else { return }
        let now = clock.now
        for case (let id, let statement?) in found {
            inFlight?.statements[id] = statement
            peerSeen[id] = now
        }
        if inFlight?.statements[memberID] == nil, let own = kept[index], own.entryHash == flight.hash {
            inFlight?.statements[memberID] = own
        }
        let statements = inFlight.map { Array($0.statements.values) } ?? []
        if statements.count >= configuration.quorum {
            do {
                let released = try await withMember { try await member.commit(statements) }
                if !released.isEmpty {
                    inFlight = nil
                    for response in released { finish(response.handle, .reply(response.reply.encoded())) }
                    return
                }
            } catch let failure as MemberFailure where failure == .refused(.noProposal) {
                // The member no longer holds the batch (it stepped down or restarted): nothing was released.
                for handle in flight.handles { finish(handle, .reply(abandonedReply)) }
                inFlight = nil
                return
            } catch {
                logger.warning("commit of entry \(index) failed: \(error)")
            }
        }
        if let waiting = inFlight, !waiting.waitersFailed, clock.now - waiting.started > settings.timing.commitTimeout {
            let reason =
                "no majority of the group's members captured entry \(index) in time: the member released nothing"
            for handle in waiting.handles { finish(handle, .unavailable(reason)) }
            inFlight?.waitersFailed = true
        }
    }
}
