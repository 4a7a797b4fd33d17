/// The channels a device has handed out, most recently used last, with a fixed capacity.
///
/// A host opens a channel per connection and never says it is done, so the table keeps the most
/// recently used `capacity` channels and forgets the oldest idle one when it needs room; a host
/// whose channel was forgotten gets ERR_INVALID_CHANNEL and opens a new one.
struct CTAPHIDChannelTable {
    /// Channels a device keeps unless told otherwise.
    static let defaultCapacity = 32

    let capacity: Int
    private var channels: [CTAPHIDChannelID] = []

    init(capacity: Int) {
        // At most two channels are protected from eviction (the one in a transaction and the one holding
        // the lock), so a third slot guarantees room for a new one.
        precondition(capacity >= 3, "room for a busy channel, a locking channel and a new one")
        self.capacity = capacity
        channels.reserveCapacity(capacity)
    }

    var count: Int {
        channels.count
    }

    func contains(_ channel: CTAPHIDChannelID) -> Bool {
        channels.contains(channel)
    }

    /// Marks a channel as just used.
    mutating func touch(_ channel: CTAPHIDChannelID) {
        guard let index = channels.firstIndex(of: channel) else { return }
        channels.remove(at: index)
        channels.append(channel)
    }

    /// Allocates a channel near `candidate`: the first identifier from it upwards that is allocatable and
    /// not in use. When full, first forgets the least recently used channel that `keep` does not protect.
    mutating func allocate(near candidate: UInt32, keep: (CTAPHIDChannelID) -> Bool) -> CTAPHIDChannelID {
        if channels.count == capacity, let oldest = channels.firstIndex(where: { !keep($0) }) {
            channels.remove(at: oldest)
        }
        // At most `capacity` identifiers are in use and two are never allocatable, so this loop ends
        // within capacity + 3 steps.
        var channel = CTAPHIDChannelID(rawValue: candidate)
        while !channel.isAllocatable || channels.contains(channel) {
            channel.rawValue &+= 1
        }
        channels.append(channel)
        return channel
    }
}
