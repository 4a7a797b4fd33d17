// Logins between LoginStart and LoginFinish, and registrations between RegisterStart and
// RegisterFinish: one of each per channel, in tables of fixed capacity. A login's attempt was
// counted durably before KE2 left the chip, so evicting or losing an entry (power cut) never gives
// an attempt back; it only means that login can no longer finish. A registration taken from its
// table is gone, so it finishes at most once.

import OPAQUE

/// What a pending login is against.
enum LoginTarget {
    /// An id with no record: the KE2 was RFC 9807's fake, and no KE3 will verify.
    case unknown
    /// The record in `slot`. `held` is set when this login used the record's last attempt: the
    /// record was destroyed on flash at once and survives only here, in RAM, for this one KE3.
    case record(slot: Int, record: VaultRecord, held: Bool)
}

/// An entry of a `PendingTable`: bound to the CTAPHID channel it was started on.
protocol PendingEntry {
    var channel: UInt32 { get }
    /// True for an entry that other entries are evicted before: losing it costs more than theirs.
    var keptOnEviction: Bool { get }
}

/// One login awaiting its KE3.
struct PendingLogin<ServerState>: PendingEntry {
    var channel: UInt32
    var credentialID: [UInt8]
    var target: LoginTarget
    /// OPAQUE's server-side state (expected client MAC and session key).
    var serverState: ServerState

    /// A login holding the last chance of a record already destroyed on flash: others can open
    /// logins for free, and evicting this one would lose its owner's key.
    var keptOnEviction: Bool {
        if case .record(_, _, held: true) = target { true } else { false }
    }
}

/// One registration awaiting its RegisterFinish: what RegisterStart fixed and signed.
struct PendingRegistration: PendingEntry {
    var channel: UInt32
    var credentialID: [UInt8]
    /// The limit the record gets (signed in the RegisterStart reply).
    var attemptLimit: UInt8
    /// The device-drawn one-time value naming this registration's OPRF key.
    var nonce: [UInt8]

    var keptOnEviction: Bool { false }
}

/// A fixed-capacity table of pending entries, one per channel, oldest first.
struct PendingTable<Entry: PendingEntry> {
    let capacity: Int
    private var entries: [Entry] = []

    init(capacity: Int) {
        self.capacity = capacity
        entries.reserveCapacity(capacity)
    }

    var count: Int { entries.count }

    /// Adds `entry`, replacing any on the same channel. When full, the oldest entry goes, the oldest
    /// of those not `keptOnEviction` first.
    mutating func insert(_ entry: Entry) {
        entries.removeAll { $0.channel == entry.channel }
        if entries.count == capacity {
            entries.remove(at: entries.firstIndex { !$0.keptOnEviction } ?? 0)
        }
        entries.append(entry)
    }

    /// Removes and returns the entry pending on `channel`.
    mutating func take(channel: UInt32) -> Entry? {
        guard let index = entries.firstIndex(where: { $0.channel == channel }) else { return nil }
        return entries.remove(at: index)
    }

    /// The entry pending on `channel`, left in place.
    func peek(channel: UInt32) -> Entry? { entries.first { $0.channel == channel } }

    /// Forgets every entry (zeroize).
    mutating func removeAll() { entries.removeAll() }
}
