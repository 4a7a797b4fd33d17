import CTAPHID

/// Decides where each IN report goes. Every host shares the broadcast channel, so the device's
/// channels are learnt from its INIT responses alone: the channel id a response hands out belongs to
/// the peer that asked for it. A report on any other channel id teaches the router nothing, so a
/// flood of made-up ids cannot push a real host's channel out. Pure, so it is tested without sockets.
struct ReplyRouter<Peer> {
    /// What produced a reply: the peer whose report the device was handling, and that report's channel.
    struct Cause {
        var peer: Peer
        var channel: UInt32
    }

    /// The CTAPHID broadcast channel id.
    static var broadcastChannel: UInt32 { 0xFFFF_FFFF }

    /// How many allocated channels are remembered; the oldest allocation is forgotten first beyond
    /// this. Far above the device's own channel table, which forgets idle channels sooner.
    let capacity: Int
    private var peers: [UInt32: Peer] = [:]
    private var allocation: [UInt32] = []

    init(capacity: Int = 1024) {
        precondition(capacity > 0, "the router remembers at least one channel")
        self.capacity = capacity
    }

    /// The channel id a report is on.
    static func channel(of report: [UInt8]) -> UInt32? {
        guard report.count >= CTAPHIDLimits.channelIDSize else { return nil }
        return report.prefix(CTAPHIDLimits.channelIDSize).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Records that `peer` spoke on the channel of `report`. Only a channel the device handed out
    /// follows its host to a new address; any other id is not remembered.
    mutating func heard(_ report: [UInt8], from peer: Peer) {
        guard let channel = Self.channel(of: report), peers[channel] != nil else { return }
        peers[channel] = peer
    }

    /// Where `reply` goes; `cause` says whose report produced it (nil for replies that come from the
    /// passing of time). A reply reaches the causing peer only when it is on that peer's own channel
    /// (or answers it on the broadcast channel); otherwise it goes to the channel's host, or nowhere.
    mutating func destination(of reply: [UInt8], cause: Cause?) -> Peer? {
        guard let channel = Self.channel(of: reply) else { return nil }
        if channel == Self.broadcastChannel {
            guard let cause else { return nil }
            if let allocated = Self.allocatedChannel(in: reply) { remember(allocated, for: cause.peer) }
            return cause.peer
        }
        if let cause, cause.channel == channel { return cause.peer }
        return peers[channel]
    }

    private mutating func remember(_ channel: UInt32, for peer: Peer) {
        if peers.updateValue(peer, forKey: channel) == nil {
            allocation.append(channel)
            if allocation.count > capacity { peers[allocation.removeFirst()] = nil }
        }
    }

    /// The channel id an INIT response hands out (CTAP 2.1 §11.2.9.1.3: nonce(8) then CID(4)), if
    /// `reply` is the init packet of one.
    private static func allocatedChannel(in reply: [UInt8]) -> UInt32? {
        let header = CTAPHIDLimits.channelIDSize + 3
        let cidOffset = header + CTAPHIDLimits.initNonceSize
        guard reply.count >= cidOffset + 4, reply[4] == CTAPHIDCommand.initialize.rawValue | 0x80 else { return nil }
        let length = Int(reply[5]) << 8 | Int(reply[6])
        guard length >= CTAPHIDLimits.initNonceSize + 4 else { return nil }
        return reply[cidOffset..<cidOffset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
