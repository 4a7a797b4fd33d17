// Logins between LoginStart and LoginFinish, one per channel, in a table of fixed capacity. The
// attempt was counted durably before KE2 left the chip, so evicting or losing an entry (power cut)
// never gives an attempt back; it only means that login can no longer finish.

import OPAQUE

/// What a pending login is against.
enum LoginTarget {
    /// An id with no record: the KE2 was RFC 9807's fake, and no KE3 will verify.
    case unknown
    /// The record in `slot`. `held` is set when this login used the record's last attempt: the
    /// record was destroyed on flash at once and survives only here, in RAM, for this one KE3.
    case record(slot: Int, record: VaultRecord, held: Bool)
}

/// One login awaiting its KE3.
struct PendingLogin<ServerState> {
    var channel: UInt32
    var credentialID: [UInt8]
    var target: LoginTarget
    /// OPAQUE's server-side state (expected client MAC and session key).
    var serverState: ServerState
}

/// A fixed-capacity table of pending logins, oldest first.
struct PendingLogins<ServerState> {
    let capacity: Int
    private var entries: [PendingLogin<ServerState>] = []

    init(capacity: Int) {
        self.capacity = capacity
        entries.reserveCapacity(capacity)
    }

    var count: Int { entries.count }

    /// Adds `login`, replacing any login on the same channel and evicting the oldest when full.
    mutating func insert(_ login: PendingLogin<ServerState>) {
        entries.removeAll { $0.channel == login.channel }
        if entries.count == capacity { entries.removeFirst() }
        entries.append(login)
    }

    /// Removes and returns the login pending on `channel`.
    mutating func take(channel: UInt32) -> PendingLogin<ServerState>? {
        guard let index = entries.firstIndex(where: { $0.channel == channel }) else { return nil }
        return entries.remove(at: index)
    }

    /// Forgets every pending login (zeroize).
    mutating func removeAll() { entries.removeAll() }
}
