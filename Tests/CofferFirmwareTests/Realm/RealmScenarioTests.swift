// REALM.md's named scenarios, scripted on the simulator: each runs once with every safety check on
// (no invariant may break) and once as its negative twin, with the one check that stops it removed
// (the checker must report the violation it names).

import Testing

@testable import CofferFirmware

extension RealmSimulation {
    /// Sends `client`'s next request (or follow-up) to `agent` and drives `agent` as leader, with
    /// `members` capturing, until it is answered.
    func serve(_ client: Int, via agent: Int, members: [Int]) throws {
        leader = agent
        clients[client].sticky = nil
        clientAct(client)
        for _ in 0..<8 where clients[client].waiting {
            step += 1
            try propose(agent)
            for member in members { try sync(member) }
            deliverAll()
            try commitIfPossible(agent)
            try check()
        }
    }

    /// `serve` until the client's operation has no follow-up left.
    func complete(_ client: Int, via agent: Int, members: [Int]) throws {
        try serve(client, via: agent, members: members)
        while clients[client].followUp != nil {
            try serve(client, via: agent, members: members)
        }
    }

    /// The hash of the entry `agent`'s member proposed last (found at its tail or in the store).
    func lastEntry(at index: UInt64, by leaderID: Int) -> [UInt8]? {
        log[index]?.first(where: { Int($0.leader) == leaderID }).map { $0.hash(engine) }
    }

    /// Power `member` off now and back on, with `image`'s realm pages put back first if given.
    func restart(_ member: Int, puttingBack image: [UInt8]? = nil) {
        let chip = chips[member]
        crashed(member)
        chip.power.restore()
        if let image {
            for page in 0..<chip.flash.pageCount {
                try? chip.flash.erase(page: page)
                let start = page * chip.flash.pageSize
                try? chip.flash.program(offset: start, bytes: Array(image[start..<start + chip.flash.pageSize]))
            }
        }
        chip.member = try? RealmMember(board: chip.board, firstPage: 0, checks: checks)
    }
}

@Suite("Realm scenarios")
struct RealmScenarioTests {
    static func run(_ checks: RealmSafetyChecks, _ scenario: (RealmSimulation) throws -> Void, faults: SimFaults = .honest,
                    guessers: Int = 1) throws -> SimViolation? {
        let simulation = try RealmSimulation(seed: 7, members: 3, faults: faults, checks: checks, owners: 1, guessers: guessers)
        do {
            try scenario(simulation)
            return nil
        } catch let violation as SimViolation {
            return violation
        }
    }

    static func expectTwin(_ name: String, twin: RealmSafetyChecks, faults: SimFaults = .honest, guessers: Int = 1,
                           _ scenario: @escaping (RealmSimulation) throws -> Void) throws {
        let honest = try run(.all, scenario, faults: faults, guessers: guessers)
        #expect(honest == nil, "\(name) with every check: \(String(describing: honest))")
        let broken = try run(twin, scenario, faults: faults, guessers: guessers)
        #expect(broken != nil, "\(name): the negative twin was not caught")
        if let broken { print("scenario \(name), negative twin caught at step \(broken.step): \(broken.what)") }
    }

    static var forkingStore: SimFaults {
        var faults = SimFaults.honest
        faults.equivocatingStore = true
        return faults
    }

    @Test("page swap: a tail page sealed before its counter and put back later makes a member vote on two chains")
    func pageSwap() throws {
        var twin = RealmSafetyChecks()
        twin.counterBeforeSeal = false
        try Self.expectTwin("page swap", twin: twin, faults: Self.forkingStore) { sim in
            sim.acceptsForks = true
            // A leads E1 and captures it; B's capture is cut after three writes (with the counter
            // first: counter and erase; with the seal first: the whole page, and no counter).
            sim.leader = 0
            sim.clientAct(0)
            try sim.propose(0)
            sim.chips[1].power.cut(afterWrites: 3)  // counter first: counter and the erases; seal first: the page
            try sim.sync(1)
            let recorded = sim.chips[1].flash.image  // the adversary keeps B's flash as it is now
            sim.restart(1)
            // C, hidden from E1, makes E1'; C and B capture it: a majority for E1'.
            sim.hiddenAbove[2] = 0
            sim.leader = 2
            sim.clientAct(1)
            try sim.propose(2)
            sim.hiddenAbove[2] = nil
            guard let forked = sim.log[1]?.first(where: { $0.leader == 2 }) else { return }
            sim.shows[1] = [1: forked.hash(sim.engine)]
            sim.shows[2] = [1: forked.hash(sim.engine)]
            try sim.sync(2)
            try sim.sync(1)
            // The adversary puts B's recorded flash back; B boots and A asks for its statement.
            sim.restart(1, puttingBack: recorded)
            try sim.resendStatements(to: 0)
            sim.deliverAll()
            try sim.commitIfPossible(0)
        }
    }

    @Test("take-over with lagging commits: a new leader's entry keeps every increment of its tail")
    func takeOverWithLaggingCommits() throws {
        var twin = RealmSafetyChecks()
        twin.proofsAgainstTail = false
        try Self.expectTwin("take-over with lagging commits", twin: twin) { sim in
            let all = [0, 1, 2]
            // A leads the owner's registration, B the deposit.
            try sim.complete(0, via: 0, members: all)
            try sim.complete(0, via: 1, members: all)
            // A leads two wrong guesses; B captures them but never sees them committed.
            try sim.serve(1, via: 0, members: all)
            try sim.serve(1, via: 0, members: all)
            // B takes over and serves the next guesses.
            for _ in 0..<4 { try sim.serve(1, via: 1, members: all) }
        }
    }

    @Test("minority fork: a member jumps only on a majority's certificate, never on one statement")
    func minorityForkAndJump() throws {
        var twin = RealmSafetyChecks()
        twin.jumpNeedsMajority = false
        try Self.expectTwin("minority fork and jump", twin: twin, faults: Self.forkingStore) { sim in
            sim.acceptsForks = true
            // A and B commit E1 (the owner's RegisterStart).
            try sim.serve(0, via: 0, members: [0, 1])
            // C, hidden from E1, makes E1' at index 1 alone: a minority fork with one statement.
            sim.hiddenAbove[2] = 0
            sim.leader = 2
            sim.clientAct(1)
            try sim.propose(2)
            sim.hiddenAbove[2] = nil
            guard let forked = sim.log[1]?.first(where: { $0.leader == 2 }) else { return }
            let forkedHash = forked.hash(sim.engine)
            sim.shows[2] = [1: forkedHash]
            try sim.sync(2)
            // A leads E2; B's capture of it is cut after its counter rose: B loses its tail.
            sim.leader = 0
            sim.clientAct(0)
            try sim.propose(0)
            sim.chips[1].power.cut(afterWrites: 2)  // its tail counter and an erase, no page
            try sim.sync(1)
            sim.restart(1)
            // The adversary offers B a jump to E1' on C's statement alone.
            let certificate = RealmStatement.make(
                sim.configuration, member: 2, index: 1, entryHash: forkedHash, macKey: sim.secrets.groupMACKey.bytes,
                engine: sim.engine)
            try? sim.chips[1].member?.jump(to: forked, certificate: [certificate])
            // C gives up its waiting entry and extends its fork; B follows it, and votes once past the
            // indices it voted at.
            for _ in 0..<2 {
                _ = sim.chips[2].member?.stepDown()
                sim.inFlight[2] = [:]
                sim.clients[1].waiting = false
                sim.clients[1].followUp = nil
                guard let tail = sim.chips[2].member?.tail else { return }
                sim.hiddenAbove[2] = tail.index
                sim.leader = 2
                sim.clientAct(1)
                try sim.propose(2)
                sim.hiddenAbove[2] = nil
                guard let next = sim.log[tail.index + 1]?.first(where: { $0.leader == 2 }) else { return }
                sim.shows[2, default: [:]][tail.index + 1] = next.hash(sim.engine)
                sim.shows[1, default: [:]][tail.index + 1] = next.hash(sim.engine)
                try sim.sync(2)
                try sim.sync(1)
            }
        }
    }

    @Test("racing leaders: without durable captures, a restarted member votes again at an index it voted at")
    func racingLeadersWithCuts() throws {
        var twin = RealmSafetyChecks()
        twin.captureIsDurable = false
        try Self.expectTwin("racing leaders", twin: twin, faults: Self.forkingStore) { sim in
            sim.acceptsForks = true
            // A and B commit E1.
            try sim.serve(0, via: 0, members: [0, 1])
            guard sim.log[1]?.first != nil else { return }
            // B loses power and comes back.
            sim.restart(1)
            // C, hidden from E1, races with its own E1'; B is shown E1'.
            sim.hiddenAbove[2] = 0
            sim.leader = 2
            sim.clientAct(1)
            try sim.propose(2)
            sim.hiddenAbove[2] = nil
            if let forked = sim.log[1]?.first(where: { $0.leader == 2 }) {
                sim.shows[1] = [1: forked.hash(sim.engine)]
                sim.shows[2] = [1: forked.hash(sim.engine)]
            }
            try sim.sync(2)
            try sim.sync(1)
            try sim.check()
        }
    }

    @Test("stale-root oracle: fake logins and RegisterStarts harvested before a registration count nothing against it")
    func staleRootOracle() throws {
        var twin = RealmSafetyChecks()
        twin.oprfKeyPerRegistration = false
        try Self.expectTwin("stale-root oracle", twin: twin, guessers: 1) { sim in
            let all = [0, 1, 2]
            // A hundred fake logins at the id before its owner registers.
            for _ in 0..<100 { try sim.serve(1, via: 0, members: all) }
            try sim.complete(0, via: 0, members: all)
            try sim.complete(0, via: 0, members: all)
        }
    }
}
