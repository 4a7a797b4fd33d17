import CofferCrypto
import CofferFirmware
import CofferMemoryChip
import CofferProtocol
import OPAQUE

/// Committed LoginStarts per second of a realm group of `members` in one process (no network), beside
/// a standalone device's LoginStarts on the same records in the same run. Each LoginStart counts an
/// attempt on one of 64 registered records; the group batches `batch` of them into one log entry,
/// which the leader proposes, every member captures (counter, sealed tail page) and the leader
/// commits on a majority's statements before the KE2s leave. Only the members' calls are timed
/// (thread CPU time, all members summed); the agent's tree work and the clients' are not.
struct RealmLoginStarts {
    let members: Int
    let batch: Int
    let loginStarts: Int

    private typealias Engine = OpenSSLCryptoEngine<P256SHA256Suite>
    private typealias Board = ChipBoard<MemoryFuses, MemoryCounterBank, MemoryFlash, SeededEntropy, Engine>
    private static let recordCount = 64

    /// The group's figure and the standalone reference, as one measurement.
    func run() throws -> Measurement {
        let suite = P256SHA256Suite(keyStretching: .identity)
        let random = SeededRandom(seed: Array("coffer-bench/realm".utf8))
        let client = OPAQUEClient(suite: suite, context: VaultOPAQUE.context)
        let ids = (0..<Self.recordCount).map { Array("record-\($0)".utf8) }
        let password = SecretBytes(Array("correct horse battery staple".utf8))
        func ke1() throws -> [UInt8] {
            try client.generateKE1(
                password: password, blind: blindScalar(suite: suite, random: random), clientNonce: random.bytes(32),
                clientKeyshareSeed: SecretBytes(random.bytes(32))
            ).ke1.serialize()
        }

        // The standalone device.
        let chip = MemoryChip(geometry: StoreGeometry(slotCount: Self.recordCount))
        let vault = try Vault(
            board: chip.board(entropy: SeededEntropy(seed: 0x5EA1), engine: Engine(suite: suite)),
            configuration: chip.configuration)
        try ok(vault.handle(.manufacture(ManufactureRequest(serial: 1)), channel: 0))
        try ok(vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 255, maxAttemptLimit: 255)), channel: 0))
        for id in ids { try register(id, client: client, password: password, random: random) { request in
            vault.handle(request, channel: 1)
        } }
        var standaloneCPU: UInt64 = 0
        for index in 0..<loginStarts {
            let request = VaultRequest.loginStart(LoginStartRequest(credentialID: ids[index % ids.count], ke1: try ke1()))
            let start = threadCPUNanoseconds()
            let reply = vault.handle(request, channel: UInt32(2 + index % 8))
            standaloneCPU += threadCPUNanoseconds() - start
            try ok(reply)
        }

        // The group.
        let group = try BenchGroup(members: members, suite: suite)
        for id in ids { try register(id, client: client, password: password, random: random) { request in
            try group.serve([request]).first!
        } }
        group.cpu = 0
        var done = 0
        while done < loginStarts {
            let count = min(batch, loginStarts - done)
            let requests = try (0..<count).map { offset in
                VaultRequest.loginStart(
                    LoginStartRequest(credentialID: ids[(done + offset) % ids.count], ke1: try ke1()))
            }
            for reply in try group.serve(requests) { try ok(reply) }
            done += count
        }
        let standalone = Double(loginStarts) / (Double(standaloneCPU) / 1e9)
        return Measurement(
            name: "realm LoginStarts, group of \(members), \(batch) per entry (in-process)",
            value: Double(loginStarts) / (Double(group.cpu) / 1e9), unit: "LoginStarts/s", target: 0.5,
            reference: .measured(name: "standalone device LoginStarts, same run", value: standalone))
    }

    /// RegisterStart and RegisterFinish of `id` through `exchange`.
    private func register(
        _ id: [UInt8], client: OPAQUEClient<P256SHA256Suite>, password: SecretBytes, random: SeededRandom,
        exchange: (VaultRequest) throws -> VaultReply
    ) throws {
        let (request, state) = try client.createRegistrationRequest(
            password: password, blind: blindScalar(suite: client.suite, random: random))
        let started = try RegisterStartResponse(decoding: ok(exchange(
            .registerStart(RegisterStartRequest(credentialID: id, attemptLimit: 255,
                                                registrationRequest: request.serialize())))))
        let record = try client.finalizeRegistrationRequest(
            state: state, response: try RegistrationResponse.deserialize(started.registrationResponse, suite: client.suite),
            envelopeNonce: random.bytes(32)
        ).record
        try ok(exchange(.registerFinish(RegisterFinishRequest(credentialID: id, registrationRecord: record.serialize()))))
    }

    @discardableResult
    private func ok(_ reply: VaultReply) throws -> [UInt8] {
        guard reply.status == .ok else { throw BenchFailure("the device answered \(reply.status)") }
        return reply.body
    }

    /// A group of members on memory chips with an honest agent: one leader, every member capturing.
    private final class BenchGroup {
        let engine: Engine
        var chips: [RealmMember<Board>] = []
        var tree = RecordTree()
        var leaves: [[UInt8]: [UInt8]] = [:]
        var cpu: UInt64 = 0
        var nextHandle: UInt64 = 1

        init(members: Int, suite: P256SHA256Suite) throws {
            engine = Engine(suite: suite)
            var boards: [Board] = []
            for index in 0..<members {
                let power = PowerCut()
                boards.append(ChipBoard(
                    fuses: MemoryFuses(
                        contents: FuseContents(
                            uds: [UInt8](repeating: UInt8(index + 1), count: 32), serial: UInt64(100 + index)),
                        power: power),
                    counters: MemoryCounterBank(count: CounterLayout.globalCount, power: power),
                    flash: MemoryFlash(pageSize: MemoryChip.pageSize, pageCount: 6, power: power),
                    entropy: SeededEntropy(seed: 0xBE4C_0000 + UInt64(index)), engine: engine))
            }
            let members = try boards.map { try RealmMember(board: $0, firstPage: 0) }
            guard let configuration = RealmGroupConfiguration(
                realmID: [UInt8](repeating: 1, count: 16), groupID: [UInt8](repeating: 2, count: 16), configID: 1,
                members: members.map(\.identityPublicKey)),
                let policy = RealmPolicy(defaultAttemptLimit: 255, maxAttemptLimit: 255)
            else { throw BenchFailure("no group configuration") }
            let root = SeededEntropy(seed: 0x2EA1).randomBytes(32)
            for member in members { try member.join(root: root, configuration: configuration, policy: policy) }
            chips = members
        }

        /// One entry: the leader proposes the batch, every member captures it, the leader commits.
        func serve(_ requests: [VaultRequest]) throws -> [VaultReply] {
            let leader = chips[0]
            let batch = requests.enumerated().map { offset, request in
                RealmRequest(handle: nextHandle + UInt64(offset), channel: UInt32(1 + offset), request: request)
            }
            nextHandle += UInt64(requests.count)
            let keys = leader.treeKeys(for: batch).compactMap(RecordKey.init)
            let proof = tree.pruned(covering: keys, engine: engine)
            let proofLeaves = keys.compactMap { leaves[$0.bytes] }
            let start = threadCPUNanoseconds()
            let entry = try leader.propose(batch, proof: proof, leaves: proofLeaves)
            var statements: [RealmStatement] = []
            for member in chips { if let statement = try member.capture(entry).statement { statements.append(statement) } }
            let released = try leader.commit(statements)
            cpu += threadCPUNanoseconds() - start
            for change in entry.changes {
                guard let key = RecordKey(change.key) else { continue }
                if let leaf = change.leaf {
                    try tree.upsert(key, valueHash: engine.sha256(leaf))
                    leaves[change.key] = leaf
                } else {
                    try tree.remove(key)
                    leaves[change.key] = nil
                }
            }
            guard released.count == requests.count else { throw BenchFailure("the group released no responses") }
            return released.map(\.reply)
        }
    }
}
