// What an agent is told at start: who it is beside, where the store is, and how long it waits.

import CofferFirmware

/// An agent's timing. The defaults suit a data-center network; tests make them short.
public struct RealmAgentTiming: Sendable {
    /// How long a vault request may wait for its reply before it is answered 504.
    public var requestTimeout: Duration
    /// How long a leader waits for a majority's statements before it answers its waiters 503 (it
    /// keeps trying to commit the entry afterwards: nothing was released).
    public var commitTimeout: Duration
    /// The longest single call to another agent.
    public var peerTimeout: Duration
    /// How often an agent catches its member up, hears from its peers and checks on the leader.
    public var heartbeat: Duration
    /// How long a leader may stay silent before a member on the store's last entry takes over.
    public var takeoverTimeout: Duration
    /// How recently a peer must have answered to count towards a majority before a batch is proposed.
    public var peerFreshness: Duration

    public init(
        requestTimeout: Duration = .seconds(10), commitTimeout: Duration = .seconds(3), peerTimeout: Duration = .seconds(2),
        heartbeat: Duration = .milliseconds(250), takeoverTimeout: Duration = .seconds(2),
        peerFreshness: Duration = .seconds(3)
    ) {
        self.requestTimeout = requestTimeout
        self.commitTimeout = commitTimeout
        self.peerTimeout = peerTimeout
        self.heartbeat = heartbeat
        self.takeoverTimeout = takeoverTimeout
        self.peerFreshness = peerFreshness
    }
}

/// Everything an agent needs besides its member and store.
public struct RealmAgentSettings: Sendable {
    /// Where the agent's HTTP server listens ("127.0.0.1", port 0 for the OS to choose).
    public var host: String
    public var port: Int
    /// The data center named in status (for operators and the demo).
    public var dataCenter: String
    /// Most requests in one entry (the firmware's limit is `RealmLimits.maxChangesPerEntry`; a batch
    /// is also split when its proof or entry would not fit one link message).
    public var maxBatch: Int
    /// Seconds of the discovery lease.
    public var leaseSeconds: Int
    public var timing: RealmAgentTiming

    public init(
        host: String = "127.0.0.1", port: Int = 0, dataCenter: String = "dc1", maxBatch: Int = 16,
        leaseSeconds: Int = 10, timing: RealmAgentTiming = RealmAgentTiming()
    ) {
        self.host = host
        self.port = port
        self.dataCenter = dataCenter
        self.maxBatch = min(max(maxBatch, 1), RealmLimits.maxChangesPerEntry)
        self.leaseSeconds = leaseSeconds
        self.timing = timing
    }
}
