import CTAPHID

/// Decides where each IN report goes: to the peer that last spoke on the report's channel id (its
/// first four bytes). Replies on the broadcast channel (INIT responses) go to the peer whose report
/// caused them, since every host shares that channel. Pure, so it is tested without sockets.
struct ReplyRouter<Peer> {
    /// The CTAPHID broadcast channel id.
    static var broadcastChannel: UInt32 { 0xFFFF_FFFF }

    /// How many channels are remembered; the oldest is forgotten first beyond this.
    let capacity: Int
    private var peers: [UInt32: Peer] = [:]
    private var arrival: [UInt32] = []

    init(capacity: Int = 1024) {
        precondition(capacity > 0, "the router remembers at least one channel")
        self.capacity = capacity
    }

    /// The channel id a report is on.
    static func channel(of report: [UInt8]) -> UInt32? {
        guard report.count >= CTAPHIDLimits.channelIDSize else { return nil }
        return report.prefix(CTAPHIDLimits.channelIDSize).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Records that `peer` spoke on the channel of `report`.
    mutating func heard(_ report: [UInt8], from peer: Peer) {
        guard let channel = Self.channel(of: report) else { return }
        if peers.updateValue(peer, forKey: channel) == nil {
            arrival.append(channel)
            if arrival.count > capacity {
                peers[arrival.removeFirst()] = nil
            }
        }
    }

    /// Where `reply` goes; `sender` is the peer whose report produced it (nil for replies that come
    /// from the passing of time). Nil when nobody is known to listen on that channel.
    func destination(of reply: [UInt8], answering sender: Peer?) -> Peer? {
        guard let channel = Self.channel(of: reply) else { return nil }
        if channel == Self.broadcastChannel, let sender { return sender }
        return peers[channel] ?? sender
    }
}
