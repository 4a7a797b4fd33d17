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

    /// True when this login holds the last chance of a record already destroyed on flash.
    var holdsLastChance: Bool {
        if case .record(_, _, held: true) = target { true } else { false }
    }
}

/// One registration awaiting its RegisterFinish: what RegisterStart fixed and signed.
struct PendingRegistration {
    var channel: UInt32
    var credentialID: [UInt8]
    /// The limit the record gets (signed in the RegisterStart reply).
    var attemptLimit: UInt8
    /// The device-drawn one-time value naming this registration's OPRF key.
    var nonce: [UInt8]
}

/// A fixed-capacity table of pending registrations, one per channel, oldest first. Taking one
/// removes it, so a registration finishes at most once.
struct PendingRegistrations {
    let capacity: Int
    private var entries: [PendingRegistration] = []

    init(capacity: Int) {
        self.capacity = capacity
        entries.reserveCapacity(capacity)
    }

    var count: Int { entries.count }

    /// Adds `registration`, replacing any on the same channel and evicting the oldest when full.
    mutating func insert(_ registration: PendingRegistration) {
        entries.removeAll { $0.channel == registration.channel }
        if entries.count == capacity { entries.removeFirst() }
        entries.append(registration)
    }

    /// Removes and returns the registration pending on `channel`.
    mutating func take(channel: UInt32) -> PendingRegistration? {
        guard let index = entries.firstIndex(where: { $0.channel == channel }) else { return nil }
        return entries.remove(at: index)
    }

    mutating func removeAll() { entries.removeAll() }
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

    /// Adds `login`, replacing any login on the same channel and evicting the oldest when full. A
    /// login holding a destroyed record's last chance is evicted only when every entry holds one:
    /// others can open logins for free, and evicting that one would lose its owner's key.
    mutating func insert(_ login: PendingLogin<ServerState>) {
        entries.removeAll { $0.channel == login.channel }
        if entries.count == capacity {
            entries.remove(at: entries.firstIndex { !$0.holdsLastChance } ?? 0)
        }
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
