// The agent ↔ member link (Firmware/Realm/RealmLink.swift, PROTOCOL.md §11.7): every message round
// trips and every decoder refuses what is not its canonical encoding; a group of 3 driven only
// through `RealmMember.handle(command:payload:)` bytes ends exactly as the in-process simulator does.

import CofferCrypto
import CofferProtocol
import Testing

@testable import CofferFirmware

// MARK: The simulator's agents over the wire

/// A member call that came back as a non-ok status the caller did not expect.
struct LinkStatusError: Error { let status: UInt8 }

extension RealmSimulation {
    /// Sends `request` to `member` as bytes and decodes its reply (a RealmError status is thrown).
    func overLink(_ member: RealmMember<SimBoard>, _ request: RealmLinkRequest) throws(RealmError) -> RealmLinkReply {
        let bytes = member.handle(command: request.operation.rawValue, payload: request.encodedPayload())
        let reply: RealmLinkReply
        do {
            reply = try RealmLinkReply(operation: request.operation, decoding: bytes)
        } catch {
            preconditionFailure("a member's reply did not decode: \(error)")
        }
        if case .failure(let status) = reply {
            guard let error = RealmError(wireCode: status) else { preconditionFailure("link status \(status)") }
            throw error
        }
        return reply
    }

    /// The entry `agent`'s member waits to commit: over the wire, as the agent tracked it from replies.
    func memberWaiting(_ agent: Int) -> RealmLogEntry? {
        overWire ? chips[agent].agentProposal : chips[agent].member?.proposedEntry
    }

    /// The chip whose member this is (the agent's own record of its member).
    func chip(of member: RealmMember<SimBoard>) -> SimChip {
        chips.first { $0.member === member }!
    }

    func memberInfo(_ member: RealmMember<SimBoard>) -> RealmInfo {
        guard case .realmInfo(let info) = try? overLink(member, .realmInfo) else { preconditionFailure("realmInfo") }
        return info
    }

    func memberTail(_ member: RealmMember<SimBoard>) -> RealmTail? {
        overWire ? memberInfo(member).tail : member.tail
    }

    func memberProofBase(_ member: RealmMember<SimBoard>) -> RealmTail? {
        overWire ? memberInfo(member).proofBase : member.proofBase
    }

    func memberPropose(
        _ member: RealmMember<SimBoard>, _ requests: [RealmRequest], proof: RecordTree, leaves: [[UInt8]]
    ) throws(RealmError) -> RealmLogEntry {
        guard overWire else { return try member.propose(requests, proof: proof, leaves: leaves) }
        guard case .propose(let entry) = try overLink(
            member, .propose(requests: requests, proof: proof.encoded(), leaves: leaves))
        else { preconditionFailure("propose") }
        chip(of: member).agentProposal = entry
        return entry
    }

    func memberStepDown(_ member: RealmMember<SimBoard>) -> [RealmResponse] {
        guard overWire else { return member.stepDown() }
        guard case .stepDown(let abandoned) = try? overLink(member, .stepDown) else { preconditionFailure("stepDown") }
        chip(of: member).agentProposal = nil
        return abandoned
    }

    func memberCapture(_ member: RealmMember<SimBoard>, _ entry: RealmLogEntry) throws(RealmError) -> RealmCapture {
        guard overWire else { return try member.capture(entry) }
        guard case .capture(let statement, let abandoned) = try overLink(member, .capture(entry: entry)) else {
            preconditionFailure("capture")
        }
        if !abandoned.isEmpty { chip(of: member).agentProposal = nil }
        return RealmCapture(statement: statement, abandoned: abandoned)
    }

    func memberCommit(_ member: RealmMember<SimBoard>, _ statements: [RealmStatement]) throws(RealmError)
        -> [RealmResponse]
    {
        guard overWire else { return try member.commit(statements) }
        // The wire carries at most `maxStatements`; the agent sends the newest ones.
        guard case .commit(let released) = try overLink(
            member, .commit(statements: Array(statements.suffix(RealmLinkLimits.maxStatements))))
        else { preconditionFailure("commit") }
        if !released.isEmpty { chip(of: member).agentProposal = nil }
        return released
    }

    func memberJump(_ member: RealmMember<SimBoard>, to entry: RealmLogEntry, certificate: [RealmStatement])
        throws(RealmError)
    {
        guard overWire else { return try member.jump(to: entry, certificate: certificate) }
        guard case .jump = try overLink(member, .jump(entry: entry, certificate: certificate)) else {
            preconditionFailure("jump")
        }
        chip(of: member).agentProposal = nil
    }

    func memberTreeKeys(_ member: RealmMember<SimBoard>, for requests: [RealmRequest]) -> [[UInt8]] {
        guard overWire else { return member.treeKeys(for: requests) }
        guard case .treeKeys(let keys) = try? overLink(member, .treeKeys(requests: requests)) else {
            preconditionFailure("treeKeys")
        }
        return keys
    }

    func memberTailStatement(_ member: RealmMember<SimBoard>) -> RealmStatement? {
        guard overWire else { return member.tailStatement() }
        guard case .tailStatement(let statement) = try? overLink(member, .tailStatement) else {
            preconditionFailure("tailStatement")
        }
        return statement
    }
}

// MARK: Sample messages

/// Seeded sample messages of every kind.
struct LinkSamples {
    var random: SimRandom
    let engine = SimEngine(suite: testSuite)

    init(seed: UInt64) { random = SimRandom(state: seed) }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) } }

    mutating func vaultRequest() -> VaultRequest {
        switch random.below(3) {
        case 0: return .getInfo
        case 1:
            return .loginStart(LoginStartRequest(credentialID: bytes(1 + random.below(64)), ke1: bytes(98)))
        default:
            return .registerStart(
                RegisterStartRequest(credentialID: bytes(1 + random.below(64)), attemptLimit: 5, registrationRequest: bytes(33)))
        }
    }

    mutating func request() -> RealmRequest {
        RealmRequest(handle: random.next(), channel: UInt32(truncatingIfNeeded: random.next()), request: vaultRequest())
    }

    mutating func response() -> RealmResponse {
        let reply =
            random.below(2) == 0
            ? VaultReply(status: .ok, body: bytes(random.below(300))) : VaultReply(status: .abandoned)
        return RealmResponse(handle: random.next(), reply: reply)
    }

    mutating func statement() -> RealmStatement {
        RealmStatement(member: UInt8(random.below(7)), index: random.next(), entryHash: bytes(32), mac: bytes(32))
    }

    mutating func tail() -> RealmTail { RealmTail(index: random.next(), entryHash: bytes(32), root: bytes(32)) }

    mutating func entry(changes: Int = 2) -> RealmLogEntry {
        var keys = (0..<changes).map { _ in bytes(32) }
        keys.sort { lexicographicallyPrecedes($0, $1) }
        return RealmLogEntry(
            realmID: bytes(16), groupID: bytes(16), configID: 3, index: random.next(), previousHash: bytes(32),
            newRoot: bytes(32), rangeStart: bytes(32), rangeEnd: bytes(32), leader: 1,
            changes: keys.map { RealmChange(key: $0, leaf: random.below(2) == 0 ? nil : bytes(random.below(300))) },
            mac: bytes(32))
    }

    mutating func requests() -> [RealmLinkRequest] {
        var tree = RecordTree()
        for _ in 0..<3 { try? tree.upsert(RecordKey(bytes(32))!, valueHash: bytes(32)) }
        return [
            .realmInfo,
            .treeKeys(requests: (0..<3).map { _ in request() }),
            .propose(requests: (0..<4).map { _ in request() }, proof: tree.encoded(), leaves: [bytes(90), bytes(0)]),
            .capture(entry: entry()),
            .commit(statements: (0..<3).map { _ in statement() }),
            .stepDown,
            .tailStatement,
            .jump(entry: entry(changes: 0), certificate: [statement(), statement()]),
        ]
    }

    mutating func replies() -> [(RealmOperation, RealmLinkReply)] {
        let configuration = RealmGroupConfiguration(
            realmID: bytes(16), groupID: bytes(16), configID: 9,
            members: [[0x02] + bytes(32), [0x03] + bytes(32), [0x02] + bytes(32)])!
        return [
            (.realmInfo, .realmInfo(RealmInfo(memberID: 2, tail: tail(), configuration: configuration.encoded(),
                                              proofBase: tail()))),
            (.realmInfo, .realmInfo(RealmInfo(memberID: nil, tail: nil, configuration: nil, proofBase: nil))),
            (.treeKeys, .treeKeys([bytes(32), bytes(32)])),
            (.propose, .propose(entry())),
            (.capture, .capture(statement: statement(), abandoned: [response(), response()])),
            (.commit, .commit(released: [response(), response(), response()])),
            (.commit, .commit(released: [])),
            (.stepDown, .stepDown(abandoned: [response()])),
            (.tailStatement, .tailStatement(statement())),
            (.tailStatement, .tailStatement(nil)),
            (.jump, .jump),
            (.capture, .failure(status: RealmError.forged.wireCode)),
        ]
    }
}

@Suite("Realm link")
struct RealmLinkTests {
    @Test("every request and reply round trips byte for byte", arguments: [1, 2, 3] as [UInt64])
    func roundTrips(seed: UInt64) throws {
        var samples = LinkSamples(seed: seed)
        for request in samples.requests() {
            let payload = request.encodedPayload()
            #expect(payload.first == CofferProtocolVersion.current)
            let decoded = try RealmLinkRequest(command: request.operation.rawValue, payload: payload)
            #expect(decoded == request)
            #expect(decoded.encodedPayload() == payload)
        }
        for (operation, reply) in samples.replies() {
            let bytes = reply.encoded()
            let decoded = try RealmLinkReply(operation: operation, decoding: bytes)
            #expect(decoded == reply)
            #expect(decoded.encoded() == bytes)
        }
    }

    @Test("every decoder refuses each truncation, a trailing byte and another version")
    func refusesNonCanonical() throws {
        var samples = LinkSamples(seed: 11)
        for request in samples.requests() {
            let payload = request.encodedPayload()
            let command = request.operation.rawValue
            for cut in 0..<payload.count {
                #expect(throws: RealmLinkError.self) { try RealmLinkRequest(command: command, payload: Array(payload[..<cut])) }
            }
            #expect(throws: RealmLinkError.trailingBytes) { try RealmLinkRequest(command: command, payload: payload + [0]) }
            var other = payload
            other[0] &+= 1
            #expect(throws: RealmLinkError.unsupportedVersion) { try RealmLinkRequest(command: command, payload: other) }
        }
        #expect(throws: RealmLinkError.unknownCommand) { try RealmLinkRequest(command: 0x68, payload: [2]) }
        for (operation, reply) in samples.replies() {
            let bytes = reply.encoded()
            for cut in 0..<bytes.count {
                #expect(throws: RealmLinkError.self) { try RealmLinkReply(operation: operation, decoding: Array(bytes[..<cut])) }
            }
            #expect(throws: RealmLinkError.trailingBytes) { try RealmLinkReply(operation: operation, decoding: bytes + [0]) }
        }
        // An option tag other than 0 or 1.
        #expect(throws: RealmLinkError.invalidValue) { try RealmLinkReply(operation: .tailStatement, decoding: [0, 2]) }
    }

    @Test("counts over their limits, a vault payload that is not canonical and an oversized message are refused")
    func refusesOverLimits() throws {
        var samples = LinkSamples(seed: 5)
        let version = CofferProtocolVersion.current
        func count(_ n: Int) -> [UInt8] { [UInt8(n >> 8), UInt8(n & 0xFF)] }
        // Statements: one over the limit (the count is checked before any statement is read).
        let statements = (0...RealmLinkLimits.maxStatements).flatMap { _ in samples.statement().encoded() }
        #expect(throws: RealmLinkError.lengthOutOfRange) {
            try RealmLinkRequest(
                command: RealmOperation.commit.rawValue,
                payload: [version] + count(RealmLinkLimits.maxStatements + 1) + statements)
        }
        let atLimit = Array(statements.prefix(RealmLinkLimits.maxStatements * RealmStatement.length))
        _ = try RealmLinkRequest(
            command: RealmOperation.commit.rawValue, payload: [version] + count(RealmLinkLimits.maxStatements) + atLimit)
        // Requests: one over the limit.
        let getInfo = RealmRequest(handle: 1, channel: 1, request: .getInfo)
        let one = RealmLinkRequest.treeKeys(requests: [getInfo]).encodedPayload().dropFirst(3)
        let many = (0...RealmLinkLimits.maxRequests).flatMap { _ in one }
        #expect(throws: RealmLinkError.lengthOutOfRange) {
            try RealmLinkRequest(
                command: RealmOperation.treeKeys.rawValue, payload: [version] + count(RealmLinkLimits.maxRequests + 1) + many)
        }
        // Leaves: one over the limit, and a leaf over maxLeafLength.
        let emptyProof = RecordTree().encoded()
        let proposeHead = [version] + count(1) + Array(one) + count(emptyProof.count) + emptyProof
        #expect(throws: RealmLinkError.lengthOutOfRange) {
            try RealmLinkRequest(
                command: RealmOperation.propose.rawValue,
                payload: proposeHead + count(RealmLinkLimits.maxLeaves + 1) + [UInt8](repeating: 0, count: 2 * 65))
        }
        #expect(throws: RealmLinkError.lengthOutOfRange) {
            try RealmLinkRequest(
                command: RealmOperation.propose.rawValue,
                payload: proposeHead + count(1) + count(RealmLimits.maxLeafLength + 1)
                    + [UInt8](repeating: 0, count: RealmLimits.maxLeafLength + 1))
        }
        // A vault payload over its limit, and one with a trailing byte inside its length.
        let handleChannel = [UInt8](repeating: 0, count: 12)
        let longPayload = [UInt8](repeating: version, count: RealmLinkLimits.maxVaultPayloadLength + 1)
        #expect(throws: RealmLinkError.lengthOutOfRange) {
            try RealmLinkRequest(
                command: RealmOperation.treeKeys.rawValue,
                payload: [version] + count(1) + handleChannel + [0x40] + count(longPayload.count) + longPayload)
        }
        #expect(throws: RealmLinkError.invalidValue) {
            try RealmLinkRequest(
                command: RealmOperation.treeKeys.rawValue,
                payload: [version] + count(1) + handleChannel + [0x40] + count(2) + [version, 0])
        }
        // A whole payload over one CTAPHID message.
        #expect(throws: RealmLinkError.lengthOutOfRange) {
            try RealmLinkRequest(
                command: RealmOperation.realmInfo.rawValue,
                payload: [version] + [UInt8](repeating: 0, count: RealmLinkLimits.maxMessageLength))
        }
        // Replies: more keys or responses than the limits.
        #expect(throws: RealmLinkError.lengthOutOfRange) {
            try RealmLinkReply(
                operation: .treeKeys,
                decoding: [0] + count(RealmLinkLimits.maxRequests + 1)
                    + [UInt8](repeating: 0, count: 32 * (RealmLinkLimits.maxRequests + 1)))
        }
        #expect(throws: RealmLinkError.lengthOutOfRange) {
            try RealmLinkReply(operation: .stepDown, decoding: [0] + count(RealmLinkLimits.maxResponses + 1))
        }
        // Fields whose length is right but whose content is not an entry or a configuration.
        #expect(throws: RealmLinkError.invalidValue) {
            try RealmLinkRequest(command: RealmOperation.capture.rawValue, payload: [version] + count(3) + [1, 2, 3])
        }
        #expect(throws: RealmLinkError.invalidValue) {
            try RealmLinkReply(operation: .realmInfo, decoding: [0, 0, 0, 1] + count(3) + [1, 2, 3, 0])
        }
        #expect(throws: RealmLinkError.invalidValue) {
            try RealmLinkReply(operation: .propose, decoding: [0] + count(3) + [1, 2, 3])
        }
        // A failure carries no body.
        #expect(throws: RealmLinkError.trailingBytes) { try RealmLinkReply(operation: .jump, decoding: [0x08, 0]) }
    }

    @Test("RealmError wire codes are stable and every one maps back")
    func wireCodes() {
        let all: [RealmError] = [
            .hal(.ioFailure), .notMember, .alreadyMember, .membershipDamaged, .notInGroup, .needsJump, .wrongGroup,
            .forged, .notNext, .busy, .noProposal, .proofMismatch, .proofIncomplete, .leafInvalid, .batchSize,
            .certificateInsufficient,
        ]
        #expect(all.map(\.wireCode) == (1...16).map { UInt8($0) })
        for error in all { #expect(RealmError(wireCode: error.wireCode) == error) }
        #expect(RealmError.hal(.cryptoFailure).wireCode == RealmError.hal(.ioFailure).wireCode)
        #expect(RealmError(wireCode: 0) == nil && RealmError(wireCode: 0x80) == nil)
    }

    // MARK: A group over the wire

    /// What a run ends with: the store's entries, and each client's outcome.
    static func outcome(of simulation: RealmSimulation) -> [String] {
        var lines: [String] = []
        for index in simulation.log.keys.sorted() {
            lines.append("entry \(index): \(simulation.log[index]!.map { $0.hash(simulation.engine) })")
        }
        for client in simulation.clients {
            lines.append(
                "client \(client.index) owner \(client.owner): recovered \(client.recovered) key \(String(describing: client.depositedKey)) last \(String(describing: client.lastSent))")
        }
        lines.append("records \(simulation.records.count)")
        return lines
    }

    @Test("a group of 3 driven only through handle(command:payload:) ends exactly as in process",
          arguments: [2, 8] as [UInt64])
    func groupOverTheWire(seed: UInt64) throws {
        func run(overWire: Bool) throws -> RealmSimulation {
            let simulation = try RealmSimulation(seed: seed, members: 3, faults: .honest, owners: 2, guessers: 1)
            simulation.overWire = overWire
            try simulation.run(steps: 600)
            return simulation
        }
        let direct = try run(overWire: false)
        let wired = try run(overWire: true)
        #expect(Self.outcome(of: wired) == Self.outcome(of: direct))
        // The run did what the brief names: registrations, deposits, recovers, wrong guesses.
        #expect(!wired.records.isEmpty, "nothing registered")
        #expect(wired.clients.contains { $0.owner && $0.recovered > 0 }, "no owner recovered")
        #expect(wired.clients.contains { !$0.owner && $0.lastSent == .loginStart }, "no guess was made")
        #expect(wired.log.count > 5)
    }

    @Test("with power cuts, page swaps, a lossy network and racing leaders the group over the wire keeps every invariant and ends as in process",
          arguments: [1, 2] as [UInt64])
    func faultyGroupOverTheWire(seed: UInt64) throws {
        var faults = SimFaults()
        faults.pageSwaps = true
        func run(overWire: Bool) throws -> RealmSimulation {
            let simulation = try RealmSimulation(seed: seed, members: 3, faults: faults)
            simulation.overWire = overWire
            try simulation.run(steps: 400)
            return simulation
        }
        let direct = try run(overWire: false)
        let wired = try run(overWire: true)
        #expect(Self.outcome(of: wired) == Self.outcome(of: direct))
    }

    @Test("the per-LoginStart sizes PROTOCOL.md §11.7 adds up (P-256, a deposited record of id length L)")
    func loginStartSizes() throws {
        let simulation = try RealmSimulation(seed: 2, members: 3, faults: .honest, owners: 2, guessers: 1)
        simulation.overWire = true
        try simulation.run(steps: 600)
        let index = try #require(simulation.clients.firstIndex { $0.owner && $0.recovered > 0 })
        let length = simulation.clients[index].id.count
        let leaderIndex = simulation.leader
        let leader = try #require(simulation.chips[leaderIndex].member)
        #expect(!leader.hasProposal)
        simulation.clients[index].phase = .registered
        let next = simulation.clients[index].nextRequest(handle: 99)
        let request = try #require(next)
        var writer = LinkWriter()
        writer.request(request)
        #expect(writer.bytes.count == 117 + length, "a LoginStart on the wire")
        let base = try #require(leader.proofBase)
        let state = simulation.treeState(at: base.entryHash)
        let key = try #require(leader.treeKeys(for: [request]).first)
        let leaf = try #require(state.leaves[key])
        #expect(leaf.count == 224 + length, "a deposited record's leaf")
        let proof = state.tree.pruned(covering: [RecordKey(key)!], engine: simulation.engine)
        let reply = try RealmLinkReply(
            operation: .propose,
            decoding: leader.handle(
                command: RealmOperation.propose.rawValue,
                payload: RealmLinkRequest.propose(requests: [request], proof: proof.encoded(), leaves: [leaf])
                    .encodedPayload()))
        guard case .propose(let entry) = reply else {
            Issue.record("not proposed: \(reply)")
            return
        }
        #expect(entry.encoded().count == RealmLimits.entryFixedLength + 32 + 35 + 224 + length, "an entry of one change")
        let responses = try #require(leader.proposal?.responses)
        #expect(RealmLinkReply.commit(released: responses).encoded().count == 3 + 273, "a KE2 response on the wire")
        print("realm link: proof of 1 key among \(state.leaves.count) records: \(proof.encoded().count) bytes")
    }

    /// A group of 3 on the simulator's chips, member 0 leading one registration over the wire.
    static func firstEntry() throws -> (RealmSimulation, RealmLogEntry) {
        let simulation = try RealmSimulation(seed: 9, members: 3, faults: .honest, owners: 1, guessers: 0)
        simulation.overWire = true
        simulation.leader = 0
        simulation.clientAct(0)
        try simulation.propose(0)
        let entry = try #require(simulation.log[1]?.first)
        return (simulation, entry)
    }

    @Test("a byte flipped in an entry on the wire is refused forged, and the member captures the real one")
    func flippedEntryIsForged() throws {
        let (simulation, entry) = try Self.firstEntry()
        let member = try #require(simulation.chips[1].member)
        var payload = RealmLinkRequest.capture(entry: entry).encodedPayload()
        let rootAt = 1 + 2 + 16 + 16 + 4 + 8 + 32  // version, length, realm, group, config, index, previous hash
        payload[rootAt + 5] ^= 0x01
        let refused = member.handle(command: RealmOperation.capture.rawValue, payload: payload)
        #expect(refused == [RealmError.forged.wireCode])
        #expect(member.tail?.index == 0)
        let accepted = try RealmLinkReply(
            operation: .capture,
            decoding: member.handle(
                command: RealmOperation.capture.rawValue, payload: RealmLinkRequest.capture(entry: entry).encodedPayload()))
        guard case .capture(let statement, let abandoned) = accepted else {
            Issue.record("not captured: \(accepted)")
            return
        }
        #expect(statement?.index == 1 && abandoned.isEmpty)
    }

    @Test("malformed, unknown and wrongly versioned requests are answered with the link's status codes")
    func linkStatuses() throws {
        let (simulation, _) = try Self.firstEntry()
        let member = try #require(simulation.chips[2].member)
        #expect(member.handle(command: 0x7F, payload: [CofferProtocolVersion.current]) == [RealmLinkStatus.unknownCommand])
        #expect(member.handle(command: RealmOperation.realmInfo.rawValue, payload: [0xEE]) == [RealmLinkStatus.unsupportedVersion])
        #expect(member.handle(command: RealmOperation.commit.rawValue, payload: [CofferProtocolVersion.current, 0]) == [RealmLinkStatus.malformed])
        // A proof that is not a RecordTree encoding.
        let bad = RealmLinkRequest.propose(
            requests: [RealmRequest(handle: 1, channel: 1, request: .getInfo)], proof: [0x07], leaves: [])
        #expect(member.handle(command: RealmOperation.propose.rawValue, payload: bad.encodedPayload()) == [RealmLinkStatus.malformed])
        // No batch waiting: commit is refused noProposal.
        #expect(
            member.handle(command: RealmOperation.commit.rawValue, payload: RealmLinkRequest.commit(statements: []).encodedPayload())
                == [RealmError.noProposal.wireCode])
    }

    @Test("a batch whose released responses would not fit one message is stepped down and answered tooLarge")
    func oversizedBatchStepsDown() throws {
        let (simulation, _) = try Self.firstEntry()
        let member = try #require(simulation.chips[2].member)
        func propose(_ count: Int) -> [UInt8] {
            let requests = (0..<count).map { RealmRequest(handle: UInt64($0), channel: 1, request: .getInfo) }
            return member.handle(
                command: RealmOperation.propose.rawValue,
                payload: RealmLinkRequest.propose(requests: requests, proof: RecordTree().encoded(), leaves: [])
                    .encodedPayload())
        }
        let full = propose(RealmLinkLimits.maxRequests)
        #expect(full == [RealmLinkStatus.tooLarge])
        #expect(!member.hasProposal, "the oversized batch was not stepped down")
        // A small batch of the same requests is proposed, and its responses fit.
        let small = try RealmLinkReply(operation: .propose, decoding: propose(2))
        guard case .propose = small else {
            Issue.record("small batch: \(small)")
            return
        }
        #expect(member.hasProposal)
        let released = RealmLinkReply.commit(released: try #require(member.proposal?.responses))
        print("realm link: a GetInfo response on the wire is \((released.encoded().count - 3) / 2) bytes")
    }
}
