// The agent as a follower and witness: it feeds its member the store's entries in order (each
// verified and captured inside the member), keeps the statements, answers leaders' capture requests,
// moves a member that lost its tail by a jump on a majority certificate, and takes over when the
// leader's agent is silent and its member is on the store's last entry (REALM.md "Leaders, catch-up").

import CofferCrypto
import CofferFirmware
import CofferProtocol
import CofferRealmStore

/// The reply a request gets when its batch is dropped: the client sends it again.
let abandonedReply = VaultReply(status: .abandoned).encoded()

extension RealmAgent {
    /// Statements kept per member (a leader asking again gets the same one).
    static var keptStatements: UInt64 { 64 }

    // MARK: Catch-up

    /// Captures every entry the store holds after the member's tail, in order. Call with the member
    /// to itself (`withMember`).
    func syncLocked() async {
        do {
            guard let current = try await member.info().tail else {
                tail = nil
                await jumpLocked()
                return
            }
            tail = current
            while true {
                let stored = try await store.read(group: group, from: (tail?.index ?? 0) + 1, limit: 32)
                if stored.isEmpty { break }
                for item in stored {
                    guard let entry = RealmLogEntry(decoding: item.bytes), entry.index == item.index else {
                        logger.error("the store's entry \(item.index) does not decode as a log entry; not captured")
                        return
                    }
                    try await captureLocked(entry)
                }
            }
            storeLast = try await store.lastIndex(group: group)
            if let tail, tail.index == storeLast, storeLast > 0, lastAuthorIndex != storeLast {
                // Started on a member already on the last entry: learn who wrote it.
                if let item = try await store.read(group: group, from: storeLast, limit: 1).first,
                    let entry = RealmLogEntry(decoding: item.bytes)
                {
                    noteAuthor(entry)
                }
            }
        } catch let failure as MemberFailure {
            if case .refused(.needsJump) = failure {
                tail = nil
                await jumpLocked()
            } else if case .refused(.notNext) = failure {
                logger.error("the store's next entry does not follow the member's tail: it waits for a jump")
            } else {
                logger.warning("catch-up stopped: \(failure)")
            }
        } catch {
            logger.warning("catch-up stopped: \(error)")
        }
    }

    /// Captures `entry` (the next on the member's chain) and files what the member answers.
    func captureLocked(_ entry: RealmLogEntry) async throws {
        let captured = try await member.capture(entry)
        let hash = CofferCrypto.SHA256.hash(entry.encoded())
        tail = RealmTail(index: entry.index, entryHash: hash, root: entry.newRoot)
        noteAuthor(entry)
        if let statement = captured.statement {
            kept[entry.index] = statement
            kept = kept.filter { $0.key + Self.keptStatements > entry.index }
        }
        for response in captured.abandoned { finish(response.handle, .reply(response.reply.encoded())) }
        if let flight = inFlight, flight.entry.index <= entry.index, flight.hash != hash {
            // Another entry took our batch's index: the member stepped down in that capture.
            for handle in flight.handles { finish(handle, .reply(abandonedReply)) }
            inFlight = nil
        }
        if entry.leader != memberID, isLeader {
            logger.notice("member \(entry.leader) appended entry \(entry.index): no longer leading")
            await loseLeadership()
        }
    }

    /// Records who wrote the store's newest entry seen.
    func noteAuthor(_ entry: RealmLogEntry) {
        guard entry.index >= lastAuthorIndex else { return }
        lastAuthorIndex = entry.index
        lastAuthor = entry.leader
    }

    // MARK: Witness

    /// A leader asks for this member's statement on the entry `entryHash` at `index`: the member
    /// catches up through it first.
    public func witness(index: UInt64, entryHash: [UInt8]) async -> CaptureOutcome {
        await withMember { await syncLocked() }
        if let statement = kept[index] {
            return statement.entryHash == entryHash
                ? .statement(statement) : .refused("the member captured another entry at \(index)")
        }
        guard let tail else { return .refused("the member lost its tail and waits for a jump") }
        guard tail.index >= index else {
            return .refused("the member is at \(tail.index); the store does not hold \(index) yet")
        }
        if tail.index == index, tail.entryHash == entryHash,
            let statement = try? await withMember({ try await member.tailStatement() })
        {
            return .statement(statement)
        }
        return .refused("the member has no statement for entry \(index) (it voted before, or moved on)")
    }

    // MARK: Jump

    /// Moves a member without a tail to the store's last entry on statements of a majority of the
    /// *other* members (never one peer's word). Call with the member to itself.
    func jumpLocked() async {
        do {
            let last = try await store.lastIndex(group: group)
            guard last > 0, let item = try await store.read(group: group, from: last, limit: 1).first,
                let entry = RealmLogEntry(decoding: item.bytes)
            else { return }
            let hash = CofferCrypto.SHA256.hash(entry.encoded())
            var certificate: [RealmStatement] = []
            for (id, address) in peerAddress where id != memberID {
                if let statement = await peers.capture(
                    at: address, index: last, entryHash: hash, timeout: settings.timing.peerTimeout)
                {
                    certificate.append(statement)
                }
            }
            guard certificate.count >= configuration.quorum else {
                logger.warning("member lost its tail; \(certificate.count) statements for entry \(last), a jump needs \(configuration.quorum)")
                return
            }
            try await member.jump(to: entry, certificate: certificate)
            tail = RealmTail(index: entry.index, entryHash: hash, root: entry.newRoot)
            noteAuthor(entry)
            storeLast = last
            logger.notice("member jumped to entry \(last) on \(certificate.count) statements")
        } catch {
            logger.warning("jump failed: \(error)")
        }
    }

    // MARK: Heartbeat and take-over

    /// Every `heartbeat`: catch up, hear from the peers, and check on the leader.
    func heartbeatLoop() async {
        while !stopped, !Task.isCancelled {
            await withMember { await syncLocked() }
            await refreshPeers()
            await checkLeadership()
            do { try await Task.sleep(for: settings.timing.heartbeat) } catch { return }
        }
    }

    /// Reads the group's agents from discovery and asks each for its status.
    func refreshPeers() async {
        if let records = try? await store.services(kind: "agent") {
            let prefix = group.hex + "/"
            for record in records where record.name.hasPrefix(prefix) {
                if let id = UInt8(record.name.dropFirst(prefix.count)), id != memberID,
                    Int(id) < configuration.members.count
                {
                    peerAddress[id] = record.address
                }
            }
        }
        let timeout = settings.timing.peerTimeout
        let client = peers
        let answered = await withTaskGroup(of: UInt8?.self) { tasks in
            for (id, address) in peerAddress {
                tasks.addTask { await client.status(at: address, timeout: timeout) != nil ? id : nil }
            }
            var out: [UInt8] = []
            for await id in tasks { if let id { out.append(id) } }
            return out
        }
        let now = clock.now
        for id in answered { peerSeen[id] = now }
    }

    /// Leads when the store's last entry is this member's; takes over when the author of the last
    /// entry (member 0 for an empty log) has been silent past the take-over timeout and this member
    /// is on the last entry. Members wait longer the higher their id, so one usually claims alone;
    /// when two claim, the conditional append keeps one.
    func checkLeadership() async {
        guard !stopped, !isLeader, let tail, tail.index == storeLast else { return }
        let designated = lastAuthor ?? 0
        if designated == memberID {
            await becomeLeader()
            return
        }
        let heard = peerSeen[designated] ?? started
        let patience = settings.timing.takeoverTimeout + settings.timing.heartbeat * (2 * Int(memberID))
        guard clock.now - heard > patience else { return }
        logger.notice("leader \(designated) silent; member \(memberID) takes over after entry \(storeLast)")
        await becomeLeader()
        // A no-op entry names this member the leader (a GetInfo changes no record).
        let handle = nextHandle
        nextHandle += 1
        queue.insert(Queued(request: RealmRequest(handle: handle, channel: 0, request: .getInfo)), at: 0)
        signal()
    }

    func becomeLeader() async {
        isLeader = true
        signal()
        guard let address else { return }
        leaderLease = try? await store.register(
            ServiceRecord(kind: "leader", name: group.hex, address: address), ttlSeconds: settings.leaseSeconds)
    }

    /// Stops leading: queued requests are answered `abandoned` (the client resends to the leader).
    func loseLeadership() async {
        isLeader = false
        let handles = queue.map(\.request.handle)
        queue.removeAll()
        for handle in handles { finish(handle, .reply(abandonedReply)) }
        let lease = leaderLease
        leaderLease = nil
        await lease?.revoke()
    }
}
