// A realm group in this process for the agent tests: N memory-chip members joined to one group (as
// the simulator sets them up), each with its agent and HTTP server on loopback (ports chosen by the
// OS), over one in-memory store. Agents stop and start again; the chips keep their state.

import AsyncHTTPClient
import CofferCrypto
import CofferFirmware
import CofferHost
import CofferMemoryChip
import CofferProtocol
import CofferRealmAgent
import CofferRealmStore
import Foundation
import Logging
import OPAQUE

typealias TestEngine = OpenSSLCryptoEngine<P256SHA256Suite>
typealias TestBoard = ChipBoard<MemoryFuses, MemoryCounterBank, MemoryFlash, SeededEntropy, TestEngine>

/// Short timeouts: tests wait on conditions, never on the clock.
let testTiming = RealmAgentTiming(
    requestTimeout: .seconds(30), commitTimeout: .seconds(10), peerTimeout: .seconds(2),
    heartbeat: .milliseconds(20), takeoverTimeout: .milliseconds(300), peerFreshness: .seconds(3))

struct HarnessTimeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

final class RealmHarness: @unchecked Sendable {
    let store = MemoryRealmStore()
    let http = HTTPClient(eventLoopGroupProvider: .singleton)
    private(set) var connections: [any RealmMemberConnection]
    let boards: [TestBoard]
    let configuration: RealmGroupConfiguration
    var servers: [RealmAgentServer?]
    let logger: Logger
    let timing: RealmAgentTiming

    /// `count` members joined to one group with attempt limit `limit`.
    init(members count: Int, limit: UInt8, seed: UInt64 = 1, timing: RealmAgentTiming = testTiming) throws {
        self.timing = timing
        var boards: [TestBoard] = []
        var keys: [[UInt8]] = []
        for index in 0..<count {
            let board = ChipBoard(
                fuses: MemoryFuses(contents: FuseContents(
                    uds: [UInt8](repeating: UInt8(index + 1), count: 32), serial: UInt64(1000 + index))),
                counters: MemoryCounterBank(count: CounterLayout.globalCount),
                flash: MemoryFlash(pageSize: MemoryChip.pageSize, pageCount: 6),
                entropy: SeededEntropy(seed: seed &+ UInt64(index) &* 7919),
                engine: TestEngine(suite: P256SHA256Suite(keyStretching: .identity)))
            boards.append(board)
            keys.append(try RealmMember(board: board, firstPage: 0).identityPublicKey)
        }
        configuration = RealmGroupConfiguration(
            realmID: [UInt8](repeating: 0xA1, count: 16), groupID: [UInt8](repeating: 0xB2, count: 16), configID: 1,
            members: keys)!
        let root = SeededEntropy(seed: seed ^ 0x5EC2E7).randomBytes(32)
        let policy = RealmPolicy(defaultAttemptLimit: limit, maxAttemptLimit: limit)!
        var members: [RealmMember<TestBoard>] = []
        for board in boards {
            let member = try RealmMember(board: board, firstPage: 0)
            try member.join(root: root, configuration: configuration, policy: policy)
            members.append(member)
        }
        self.boards = boards
        connections = members.map { InProcessMemberConnection(member: $0) }
        servers = Array(repeating: nil, count: count)
        var logger = Logger(label: "coffer.realm-agent.test")
        logger.logLevel = ProcessInfo.processInfo.environment["COFFER_AGENT_TRACE"] != nil ? .debug : .critical
        self.logger = logger
    }

    var group: RealmGroupName { RealmGroupName(id: configuration.groupID) }
    var addresses: [String] { servers.compactMap { $0?.address } }

    func startAgent(_ index: Int) async throws {
        let settings = RealmAgentSettings(dataCenter: "dc\(index % 3 + 1)", timing: timing)
        let agent = try await RealmAgent(
            connection: connections[index], store: store, settings: settings, http: http, logger: logger)
        servers[index] = try await RealmAgentServer.start(agent: agent, settings: settings, logger: logger)
    }

    func startAll() async throws {
        for index in servers.indices { try await startAgent(index) }
    }

    func stopAgent(_ index: Int) async {
        await servers[index]?.stop()
        servers[index] = nil
    }

    /// Stops agent `index`, reboots its chip with both tail blocks of its realm area erased (the
    /// member then votes again only after a jump), and starts the agent again. Returns whether the
    /// rebooted member came up without a tail.
    func restartLosingTail(_ index: Int) async throws -> Bool {
        await stopAgent(index)
        let flash = boards[index].flash
        let pagesPerBlock = 1024 / MemoryChip.pageSize
        for page in pagesPerBlock..<3 * pagesPerBlock { try flash.erase(page: page) }
        let rebooted = try RealmMember(board: boards[index], firstPage: 0)
        let lostTail = rebooted.tail == nil
        connections[index] = InProcessMemberConnection(member: rebooted)
        try await startAgent(index)
        return lostTail
    }

    func shutdown() async {
        for index in servers.indices { await stopAgent(index) }
        try? await http.shutdown()
    }

    /// Polls `condition` until it holds or `deadline` passes.
    func waitUntil(_ what: String, within deadline: Duration = .seconds(30), _ condition: () async -> Bool)
        async throws
    {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        while clock.now < end {
            if await condition() { return }
            await Task.yield()
            try await Task.sleep(for: .milliseconds(5))
        }
        throw HarnessTimeout(what: what)
    }

    /// The running agent that leads with a majority reachable, if any.
    func leader() async -> Int? {
        for (index, server) in servers.enumerated() {
            guard let server else { continue }
            let status = await server.agent.status()
            if status.leader, status.reachable.count + 1 >= configuration.quorum { return index }
        }
        return nil
    }

    /// Waits for a leader that has a majority and an empty pipeline, and returns it.
    @discardableResult
    func waitForLeader(excluding excluded: Set<Int> = []) async throws -> Int {
        var found: Int?
        try await waitUntil("a leader with a majority") {
            found = await leader()
            return found.map { !excluded.contains($0) } ?? false
        }
        return found!
    }

    /// A VaultClient over HTTP to the running agents (the leader first when known), OPAQUE with the
    /// identity KSF as the members' suite.
    func client(channel: UInt32) async -> (VaultClient, HTTPVaultTransport) {
        var order = addresses
        if let leader = await leader(), let address = servers[leader]?.address {
            order.removeAll { $0 == address }
            order.insert(address, at: 0)
        }
        let transport = HTTPVaultTransport(http: http, agents: order, channel: channel)
        let client = VaultClient(
            transport: transport, pins: nil, random: SeededRandom(seed: Array("client-\(channel)".utf8)),
            p256Suite: P256SHA256Suite(keyStretching: .identity))
        return (client, transport)
    }

    /// Each member's tail index, asked over its link (as its agent would).
    func tails() async -> [UInt64?] {
        var out: [UInt64?] = []
        for connection in connections {
            out.append(try? await MemberClient(connection: connection).info().tail?.index)
        }
        return out
    }

    func lastIndex() async throws -> UInt64 { try await store.lastIndex(group: group) }
}
