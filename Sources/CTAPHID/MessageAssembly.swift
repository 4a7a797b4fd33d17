/// A message being put back together from its packets; both sides use it.
struct CTAPHIDMessageAssembly {
    /// The channel the message travels on.
    let channel: CTAPHIDChannelID
    /// The message's command.
    let command: CTAPHIDCommand
    /// BCNT from the init packet.
    let length: Int
    /// The payload received so far.
    private(set) var payload: [UInt8]
    /// The SEQ the next continuation must carry.
    private(set) var nextSequence: UInt8 = 0

    /// Starts a message from its init packet. The caller has checked BCNT against the maximum.
    init(first packet: CTAPHIDInitializationPacket) {
        precondition(packet.messageLength <= CTAPHIDLimits.maxMessageSize, "BCNT checked by the caller")
        channel = packet.channel
        command = packet.command
        length = packet.messageLength
        payload = []
        payload.reserveCapacity(length)
        payload.append(contentsOf: packet.data.prefix(length))
    }

    /// True once every payload byte has arrived.
    var isComplete: Bool {
        payload.count == length
    }

    /// Appends a continuation of this message; false (and nothing appended) if its SEQ is not the next.
    /// A message under the maximum never needs SEQ past 0x7F, so a full one cannot wrap.
    mutating func append(_ packet: CTAPHIDContinuationPacket) -> Bool {
        precondition(packet.channel == channel && !isComplete, "continuation routed to the wrong message")
        guard packet.sequence == nextSequence else { return false }
        nextSequence += 1
        payload.append(contentsOf: packet.data.prefix(length - payload.count))
        return true
    }
}
