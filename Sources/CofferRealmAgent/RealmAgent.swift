// The host agent beside one realm member (../shared/REALM.md "One change", "Leaders, catch-up"). It is
// untrusted: every safety rule is checked inside the members, so what the agent adds is liveness. As
// leader it batches vault requests into entries, appends them, gathers a majority's statements and
// hands back the replies its member releases; as witness it feeds its member the store's entries in
// order and keeps the statements; when the leader falls silent, a member on the store's last entry
// takes over. The logic follows the deterministic simulator
// (Tests/CofferFirmwareTests/Realm/RealmSimulator.swift), which proves it against an adversarial store.

import AsyncHTTPClient
import CofferFirmware
import CofferProtocol
import CofferRealmStore
import Logging

/// How a vault request ended, for the HTTP layer.
public enum VaultOutcome: Equatable, Sendable {
    /// The member's reply, encoded as a device answers (an `abandoned` reply included).
    case reply([UInt8])
    /// This agent does not lead; the leader's agent address when known.
    case notLeader(String?)
    /// No majority answers: nothing was proposed (or nothing released), no guess spent.
    case unavailable(String)
    /// No answer within the request timeout.
    case timeout
}

/// What a witness answers a leader's capture request.
public enum CaptureOutcome: Equatable, Sendable {
    case statement(RealmStatement)
    /// The member cannot state that entry (behind the store, on another entry, or already voted).
    case refused(String)
}

/// A batch in flight: appended, waiting for a majority.
struct InFlight {
    let entry: RealmLogEntry
    let hash: [UInt8]
    let handles: [UInt64]
    var statements: [UInt8: RealmStatement] = [:]
    let started: ContinuousClock.Instant
    var waitersFailed = false
}

/// A request waiting for its batch.
struct Queued {
    let request: RealmRequest
}

/// One agent.
public actor RealmAgent {
    public nonisolated let memberID: UInt8
    public nonisolated let configuration: RealmGroupConfiguration
    public nonisolated let group: RealmGroupName
    let member: MemberClient
    let store: any RealmStore
    let tree: RecordTreeStore
    let settings: RealmAgentSettings
    let peers: PeerClient
    let logger: Logger
    let clock = ContinuousClock()

    /// The agent's own URL (http://host:port), once its server listens.
    public internal(set) var address: String?
    // Member access is one sequence at a time (a capture must not interleave with a propose).
    var memberBusy = false
    var memberQueue: [CheckedContinuation<Void, Never>] = []

    // Witness and follower state.
    /// The member's statements by index (the last few): a leader whose copy was lost asks again.
    var kept: [UInt64: RealmStatement] = [:]
    var tail: RealmTail?
    /// The store's last index as last read, and the member that wrote it (nil: empty log).
    var storeLast: UInt64 = 0
    var lastAuthor: UInt8?
    var lastAuthorIndex: UInt64 = 0
    var peerAddress: [UInt8: String] = [:]
    var peerSeen: [UInt8: ContinuousClock.Instant] = [:]
    let started: ContinuousClock.Instant

    // Leader state.
    public internal(set) var isLeader = false
    var queue: [Queued] = []
    var inFlight: InFlight?
    var waiters: [UInt64: CheckedContinuation<VaultOutcome, Never>] = [:]
    var nextHandle: UInt64 = 1
    var wake: CheckedContinuation<Void, Never>?
    /// A signal that came while the leader loop was not waiting.
    var signalled = false
    var stopped = false
    var leaderLease: (any ServiceLease)?
    var agentLease: (any ServiceLease)?
    var loops: [Task<Void, Never>] = []

    /// An agent for the member behind `connection` (which must be a member: its id and group come
    /// from it), on `store`.
    public init(
        connection: any RealmMemberConnection, store: any RealmStore, settings: RealmAgentSettings, http: HTTPClient,
        logger: Logger
    ) async throws(MemberFailure) {
        let client = MemberClient(connection: connection)
        let info = try await client.info()
        guard let id = info.memberID, let encoded = info.configuration,
            let configuration = RealmGroupConfiguration(encoded: encoded)
        else { throw .refused(.notMember) }
        member = client
        memberID = id
        self.configuration = configuration
        group = RealmGroupName(id: configuration.groupID)
        tail = info.tail
        self.store = store
        tree = RecordTreeStore(store: store)
        self.settings = settings
        peers = PeerClient(http: http)
        var logger = logger
        logger[metadataKey: "member"] = "\(id)"
        self.logger = logger
        started = clock.now
    }

    // MARK: Vault requests

    /// Serves one vault request as leader: queued, batched, committed, and the member's reply
    /// returned once released.
    public func submit(channel: UInt32, request: VaultRequest) async -> VaultOutcome {
        guard isLeader, !stopped else { return .notLeader(leaderAddress) }
        let handle = nextHandle
        nextHandle += 1
        let timeout = settings.timing.requestTimeout
        return await withCheckedContinuation { continuation in
            waiters[handle] = continuation
            queue.append(Queued(request: RealmRequest(handle: handle, channel: channel, request: request)))
            signal()
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.expire(handle)
            }
        }
    }

    /// Answers `handle` with `.timeout` if it is still waiting (and drops it from the queue).
    func expire(_ handle: UInt64) {
        queue.removeAll { $0.request.handle == handle }
        finish(handle, .timeout)
    }

    /// Resumes the waiter of `handle`, if any.
    func finish(_ handle: UInt64, _ outcome: VaultOutcome) {
        waiters.removeValue(forKey: handle)?.resume(returning: outcome)
    }

    /// Answers every queued request `outcome` (they were never proposed).
    func failQueue(_ outcome: VaultOutcome) {
        let handles = queue.map(\.request.handle)
        queue.removeAll()
        for handle in handles { finish(handle, outcome) }
    }

    /// The leader's agent address as discovery names it, when known.
    var leaderAddress: String? {
        let leader = lastAuthor ?? 0
        return leader == memberID ? address : peerAddress[leader]
    }

    // MARK: Status

    public func status() -> AgentStatus {
        AgentStatus(
            member: Int(memberID), group: group.hex, tail: tail?.index, leader: isLeader,
            leaderMember: lastAuthor.map(Int.init), dataCenter: settings.dataCenter,
            reachable: reachablePeers().map(Int.init).sorted())
    }

    /// Peers that answered within `peerFreshness`.
    func reachablePeers() -> [UInt8] {
        let now = clock.now
        return peerSeen.filter { now - $0.value <= settings.timing.peerFreshness }.map(\.key)
    }

    // MARK: Member access

    /// Runs `body` with the member to itself.
    func withMember<T>(_ body: () async throws -> T) async rethrows -> T {
        if memberBusy {
            await withCheckedContinuation { memberQueue.append($0) }
        }
        memberBusy = true
        defer {
            if memberQueue.isEmpty {
                memberBusy = false
            } else {
                memberQueue.removeFirst().resume()
            }
        }
        return try await body()
    }

    /// Wakes the leader loop.
    func signal() {
        guard let wake else {
            signalled = true
            return
        }
        wake.resume()
        self.wake = nil
    }

    /// Waits until `signal()` or `timeout`.
    func pause(_ timeout: Duration) async {
        if signalled {
            signalled = false
            return
        }
        let timer = Task { [weak self] in
            do { try await Task.sleep(for: timeout) } catch { return }
            await self?.wakeAfterPause()
        }
        await withCheckedContinuation { continuation in
            if let wake { wake.resume() }
            wake = continuation
        }
        timer.cancel()
    }

    /// Ends a pause whose time ran out (not a signal: nothing is left pending).
    func wakeAfterPause() {
        wake?.resume()
        wake = nil
    }

    // MARK: Life

    /// Starts the agent's loops and registers it in discovery under `address`.
    public func start(address: String) async throws(RealmStoreError) {
        self.address = address
        agentLease = try await store.register(
            ServiceRecord(kind: "agent", name: "\(group.hex)/\(memberID)", address: address),
            ttlSeconds: settings.leaseSeconds)
        loops.append(Task { await self.heartbeatLoop() })
        loops.append(Task { await self.leaderLoop() })
    }

    /// Stops the loops, answers every waiter, and withdraws the agent's registrations.
    public func stop() async {
        stopped = true
        isLeader = false
        signal()
        for loop in loops { loop.cancel() }
        for loop in loops { await loop.value }
        loops = []
        failQueue(.unavailable("the agent is stopping"))
        for handle in Array(waiters.keys) { finish(handle, .unavailable("the agent is stopping")) }
        await leaderLease?.revoke()
        await agentLease?.revoke()
        leaderLease = nil
        agentLease = nil
    }
}
