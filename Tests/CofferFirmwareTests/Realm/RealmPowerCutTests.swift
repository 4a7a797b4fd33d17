// The power-cut sweep for a realm member: every durable write of a join, a capture and a jump is cut
// in turn, the member restarts on the same memories, and what it trusts afterwards must be the state
// before the operation, the state after it, or nothing (it then votes only after a certified jump) -
// never genesis again after a capture, never a tail it did not capture. A statement returned means the
// capture survives any later cut.

import CofferCrypto
import CofferMemoryChip
import Testing

@testable import CofferFirmware

@Suite("Realm power cuts")
struct RealmPowerCutTests {
    /// A group of 3 with member 1 under test; entries made by member 0 as leader.
    final class Fixture {
        let sim: RealmSimulation

        init() throws {
            sim = try RealmSimulation(seed: 11, members: 3, faults: .honest, owners: 1, guessers: 1)
        }

        /// Entry 1 made by member 0 (the owner's RegisterStart), appended, captured by member 0 only.
        func entryOne() throws -> RealmLogEntry {
            sim.leader = 0
            sim.clientAct(0)
            try sim.propose(0)
            guard let entry = sim.log[1]?.first else { throw SimViolation(seed: 11, step: 0, what: "no entry") }
            return entry
        }

        var chip: SimChip { sim.chips[1] }

        /// Member 1 rebooted on its memories, power restored.
        func rebooted() throws -> RealmMember<SimBoard> {
            chip.power.restore()
            return try RealmMember(board: chip.board, firstPage: 0)
        }
    }

    /// Writes the operation makes when nothing cuts it.
    static func writes(_ body: (Fixture) throws -> Void) throws -> Int {
        let fixture = try Fixture()
        let before = fixture.chip.power.completedWrites
        try body(fixture)
        return fixture.chip.power.completedWrites - before
    }

    @Test("a capture cut at any write leaves the old tail or no tail; a returned statement survives")
    func captureSweep() throws {
        let total = try Self.writes { fixture in
            _ = try fixture.chip.member!.capture(try fixture.entryOne())
        }
        #expect(total == 5, "tail counter, two page erases, one program, voted-index counter")
        for cut in 0...total {
            let fixture = try Fixture()
            let entry = try fixture.entryOne()
            let genesis = try #require(fixture.chip.member?.tail)
            fixture.chip.power.cut(afterWrites: cut)
            let statement = try? fixture.chip.member!.capture(entry)
            let after = try fixture.rebooted()
            let captured = RealmTail(index: 1, entryHash: entry.hash(fixture.sim.engine), root: entry.newRoot)
            if statement != nil {
                #expect(after.tail == captured, "cut after \(cut) writes: a returned statement was lost")
            } else if cut == 0 {
                #expect(after.tail == genesis, "a capture cut before its first write changed the tail")
            } else if cut == total - 1 {
                // The page says "voted" but the voted index was not raised: boot raises it, and the
                // member may give that one vote (again), never another at index 1.
                #expect(after.tail == captured)
                #expect(after.tailStatement()?.entryHash == captured.entryHash)
                #expect(try fixture.chip.counters.read(CounterLayout.realmVotedIndex) >= 1, "boot did not record the vote")
            } else {
                // The counter rose: the old page no longer names it, so the member must jump.
                #expect(after.tail == nil, "cut after \(cut) writes: trusted \(String(describing: after.tail))")
            }
        }
    }

    @Test("a member without a tail after a cut captures nothing and jumps only on a majority of the others")
    func lostTailNeedsACertifiedJump() throws {
        let fixture = try Fixture()
        let entry = try fixture.entryOne()
        fixture.chip.power.cut(afterWrites: 2)  // the tail counter and an erase, no page
        _ = try? fixture.chip.member!.capture(entry)
        let member = try fixture.rebooted()
        #expect(member.tail == nil)
        #expect(throws: RealmError.needsJump) { try member.capture(entry) }
        let hash = entry.hash(fixture.sim.engine)
        func statement(_ id: UInt8) -> RealmStatement {
            RealmStatement.make(
                fixture.sim.configuration, member: id, index: 1, entryHash: hash,
                macKey: fixture.sim.secrets.groupMACKey.bytes, engine: fixture.sim.engine)
        }
        #expect(throws: RealmError.certificateInsufficient) { try member.jump(to: entry, certificate: [statement(0)]) }
        #expect(throws: RealmError.certificateInsufficient) {
            try member.jump(to: entry, certificate: [statement(0), statement(1)])
        }
        try member.jump(to: entry, certificate: [statement(0), statement(2)])
        #expect(member.tail?.index == 1)
        #expect(try fixture.rebooted().tail?.index == 1, "a jump is durable")
    }

    @Test("a member that lost its tail and jumped back follows the chain without voting again where it voted")
    func noSecondVoteAtAnIndex() throws {
        let fixture = try Fixture()
        let sim = fixture.sim
        let key = sim.secrets.groupMACKey.bytes
        let genesis = RealmTail.genesis(sim.configuration, engine: sim.engine)
        func entry(_ index: UInt64, after previous: [UInt8], leader: UInt8) -> RealmLogEntry {
            RealmLogEntry.make(
                configuration: sim.configuration, index: index, previousHash: previous, newRoot: genesis.root,
                leader: leader, changes: [], macKey: key, engine: sim.engine)
        }
        // Chain A: the member votes at indices 1 and 2.
        let a1 = entry(1, after: genesis.entryHash, leader: 0)
        let a2 = entry(2, after: a1.hash(sim.engine), leader: 0)
        let a3 = entry(3, after: a2.hash(sim.engine), leader: 0)
        #expect(try fixture.chip.member!.capture(a1).statement?.index == 1)
        #expect(try fixture.chip.member!.capture(a2).statement?.index == 2)
        // Its page goes (a capture cut after its tail counter rose); it jumps to index 1 of chain B.
        fixture.chip.power.cut(afterWrites: 2)  // the tail counter and an erase, no page
        _ = try? fixture.chip.member!.capture(a3)
        let member = try fixture.rebooted()
        #expect(member.tail == nil)
        let b1 = entry(1, after: genesis.entryHash, leader: 2)
        let certificate = [UInt8(0), 2].map {
            RealmStatement.make(sim.configuration, member: $0, index: 1, entryHash: b1.hash(sim.engine), macKey: key,
                                engine: sim.engine)
        }
        try member.jump(to: b1, certificate: certificate)
        #expect(member.tailStatement() == nil, "a jump is no vote")
        // Index 2 again, on chain B: followed, not voted at. Index 3 (never voted at): voted at.
        let b2 = entry(2, after: b1.hash(sim.engine), leader: 2)
        let b3 = entry(3, after: b2.hash(sim.engine), leader: 2)
        let followed = try member.capture(b2)
        #expect(followed.statement == nil, "a second statement at index 2")
        #expect(member.tail?.index == 2)
        #expect(member.tailStatement() == nil)
        #expect(try member.capture(b3).statement?.index == 3)
        #expect(try fixture.rebooted().tailStatement()?.index == 3, "the vote is recorded with the tail")
    }

    @Test("a jump cut at any write leaves no tail or the jumped-to tail")
    func jumpSweep() throws {
        for cut in 0...4 {
            let fixture = try Fixture()
            let entry = try fixture.entryOne()
            let hash = entry.hash(fixture.sim.engine)
            let certificate = [UInt8(0), 2].map {
                RealmStatement.make(
                    fixture.sim.configuration, member: $0, index: 1, entryHash: hash,
                    macKey: fixture.sim.secrets.groupMACKey.bytes, engine: fixture.sim.engine)
            }
            fixture.chip.power.cut(afterWrites: cut)
            let jumped = (try? fixture.chip.member!.jump(to: entry, certificate: certificate)) != nil
            let after = try fixture.rebooted()
            if jumped {
                #expect(after.tail?.index == 1, "cut after \(cut): a completed jump was lost")
            } else {
                #expect(after.tail == nil || after.tail?.index == 0, "cut after \(cut): \(String(describing: after.tail))")
                if cut > 0 { #expect(after.tail == nil, "cut after \(cut): the counter rose, the old page is stale") }
            }
        }
    }

    @Test("a join cut at any write never leaves a member that votes from a tail it did not write")
    func joinSweep() throws {
        for cut in 0...8 {
            let chip = SimChip(index: 4, seed: 3, engine: SimEngine(suite: testSuite))
            let member = try RealmMember(board: chip.board, firstPage: 0)
            let configuration = try #require(
                RealmGroupConfiguration(
                    realmID: [UInt8](repeating: 1, count: 16), groupID: [UInt8](repeating: 2, count: 16), configID: 1,
                    members: [member.identityPublicKey]))
            let policy = try #require(RealmPolicy(defaultAttemptLimit: 3, maxAttemptLimit: 3))
            chip.power.cut(afterWrites: cut)
            let joined = (try? member.join(root: [UInt8](repeating: 9, count: 32), configuration: configuration,
                                           policy: policy)) != nil
            chip.power.restore()
            let after = try RealmMember(board: chip.board, firstPage: 0)
            if joined {
                #expect(after.tail == RealmTail.genesis(configuration, engine: chip.board.engine))
                #expect(after.memberID == 0)
            } else {
                // Either not a member at all (a join can be tried again) or a member waiting for a jump.
                #expect(after.tail == nil, "cut after \(cut) writes: a tail from an unfinished join")
            }
        }
    }
}
