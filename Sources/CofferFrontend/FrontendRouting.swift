import CofferRealmStore

/// Where the front-end sends a group's vault messages: the leader agent found in discovery (REALM.md,
/// "What the store must offer": discovery). Agents register as kind "agent", name "GROUPHEX/MEMBERID";
/// the current leader also as kind "leader", name GROUPHEX.
///
/// The seam between the front-end and the store: it takes any `RealmStore` (`dir:` or `etcd://`), and
/// keeps only a cache of the last leader, which it drops on any doubt.
public actor FrontendRouting {
    /// Why no agent can be named.
    public enum RoutingError: Error, Equatable, CustomStringConvertible {
        /// Discovery lists no agent of the group (none running, or none reachable to the store).
        case noAgents(group: String)
        /// Discovery lists several groups and none was named.
        case groupNotNamed([String])
        /// The store could not be read.
        case store(String)

        public var description: String {
            switch self {
            case .noAgents(let group): "discovery lists no agent of group \(group)"
            case .groupNotNamed(let groups):
                "discovery lists several groups (\(groups.joined(separator: ", "))): name one"
            case .store(let why): why
            }
        }
    }

    private let store: any RealmStore
    private var group: String?
    private var cachedLeader: String?
    /// Agents tried without an answer since the last success, so the next pick moves on.
    private var skipped: Set<String> = []

    /// Routes to the leader of `group` (hex), or of the only group discovery lists when nil.
    public init(store: any RealmStore, group: String?) {
        self.store = store
        self.group = group
    }

    /// The address to send to now: the cached leader, else the registered leader, else any agent of
    /// the group not skipped (which answers 421 with the leader when it is not the leader).
    public func target() async throws(RoutingError) -> String {
        if let cachedLeader { return cachedLeader }
        let group = try await groupName()
        let leaders = try await services(kind: "leader").filter { $0.name == group && !skipped.contains($0.address) }
        if let leader = leaders.first {
            cachedLeader = leader.address
            return leader.address
        }
        let agents = try await agents(of: group).filter { !skipped.contains($0) }
        guard let agent = agents.first else {
            skipped.removeAll()
            throw .noAgents(group: group)
        }
        return agent
    }

    /// The agent at `address` did not answer (connection refused): forget it as leader, try another.
    public func unreachable(_ address: String) {
        if cachedLeader == address { cachedLeader = nil }
        skipped.insert(address)
    }

    /// A forward to `address` went out and no answer came in time (the agent stopped, or cut off): it
    /// is no longer taken as the leader on trust, so the next request asks discovery again, where a
    /// leader that took over has registered itself. The address is not skipped: it may lead still.
    public func noAnswer(from address: String) {
        if cachedLeader == address { cachedLeader = nil }
    }

    /// An agent answered 421 naming `hint` as leader. The hint is followed only when discovery lists
    /// it as an agent of this group (an agent is untrusted: it must not send the front-end, and the
    /// account's message, to an address of its choosing). Returns whether the hint was taken.
    @discardableResult
    public func notLeader(_ address: String, hint: String?) async -> Bool {
        if cachedLeader == address { cachedLeader = nil }
        skipped.insert(address)
        guard let hint, let group = try? await groupName(), let agents = try? await agents(of: group),
            agents.contains(hint)
        else { return false }
        cachedLeader = hint
        skipped.remove(hint)
        return true
    }

    /// A forward succeeded through `address`: it is the leader until it says otherwise.
    public func served(by address: String) {
        cachedLeader = address
        skipped.removeAll()
    }

    /// What discovery says of the group now (for /healthz and `cofferctl realm status`).
    public func snapshot() async throws(RoutingError) -> (group: String, leader: String?, agents: [String]) {
        let group = try await groupName()
        let leader = try await services(kind: "leader").first { $0.name == group }?.address
        return (group, leader, try await agents(of: group))
    }

    private func agents(of group: String) async throws(RoutingError) -> [String] {
        try await services(kind: "agent").filter { $0.name.hasPrefix(group + "/") }.map(\.address).sorted()
    }

    private func groupName() async throws(RoutingError) -> String {
        if let group { return group }
        let names = Set(
            try await services(kind: "agent").compactMap { $0.name.split(separator: "/").first.map(String.init) })
        guard names.count <= 1 else { throw .groupNotNamed(names.sorted()) }
        guard let only = names.first else { throw .noAgents(group: "(any)") }
        return only
    }

    private func services(kind: String) async throws(RoutingError) -> [ServiceRecord] {
        do {
            return try await store.services(kind: kind)
        } catch {
            throw .store(error.description)
        }
    }
}
