import CTAPHID

/// Decides which datagrams reach the device and where each IN report goes. Every host shares the
/// broadcast channel, so the device's channels are learnt from its INIT responses alone: the channel
/// id a response hands out belongs to the peer that asked for it, and to no one else. A report on that
/// channel from any other peer is dropped before the device sees it, so knowing (or guessing) a
/// channel id lets no one inject into another host's transaction or draw its replies; a report on any
/// other channel id teaches the router nothing, so a flood of made-up ids cannot push a real host's
/// channel out. Pure, so it is tested without sockets.
struct ReplyRouter<Peer: Equatable> {
    /// What produced a reply: the peer whose report the device was handling, and that report's channel.
    struct Cause {
        var peer: Peer
        var channel: UInt32
    }

    /// The CTAPHID broadcast channel id.
    static var broadcastChannel: UInt32 { 0xFFFF_FFFF }

    /// How many allocated channels are remembered; the one whose host spoke least recently is
    /// forgotten first beyond this. Far above the device's own channel table, which forgets idle
    /// channels sooner, so a channel the device still serves is still owned here.
    let capacity: Int
    private var owners: [UInt32: (peer: Peer, lastUse: UInt64)] = [:]
    private var uses: UInt64 = 0

    init(capacity: Int = 1024) {
        precondition(capacity > 0, "the router remembers at least one channel")
        self.capacity = capacity
    }

    /// The channel id a report is on.
    static func channel(of report: [UInt8]) -> UInt32? {
        guard report.count >= CTAPHIDLimits.channelIDSize else { return nil }
        return report.prefix(CTAPHIDLimits.channelIDSize).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Whether `report` from `peer` may reach the device: not when its channel was handed to another
    /// peer. A channel's owner keeps it fresh by speaking on it; ids nobody was given pass (the
    /// device answers them ERR_INVALID_CHANNEL) and are not remembered.
    mutating func admits(_ report: [UInt8], from peer: Peer) -> Bool {
        guard let channel = Self.channel(of: report), let owner = owners[channel] else { return true }
        guard owner.peer == peer else { return false }
        uses += 1
        owners[channel]?.lastUse = uses
        return true
    }

    /// Where `reply` goes; `cause` says whose report produced it (nil for replies that come from the
    /// passing of time). A reply reaches the causing peer only when it is on that peer's own channel
    /// (or answers it on the broadcast channel); otherwise it goes to the channel's owner, or nowhere.
    mutating func destination(of reply: [UInt8], cause: Cause?) -> Peer? {
        guard let channel = Self.channel(of: reply) else { return nil }
        if channel == Self.broadcastChannel {
            guard let cause else { return nil }
            if let allocated = Self.allocatedChannel(in: reply) { remember(allocated, for: cause.peer) }
            return cause.peer
        }
        // A report on an owned channel is admitted only from its owner, so a causing peer on the
        // reply's channel is its owner, or the channel is nobody's (ERR_INVALID_CHANNEL to a made-up id).
        if let cause, cause.channel == channel { return cause.peer }
        return owners[channel]?.peer
    }

    private mutating func remember(_ channel: UInt32, for peer: Peer) {
        uses += 1
        owners[channel] = (peer, uses)
        if owners.count > capacity, let stalest = owners.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            owners[stalest] = nil
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
