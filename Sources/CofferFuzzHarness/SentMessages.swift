import CTAPHID

/// A message a device sent, put back together by the harness.
struct SentMessage {
    var channel: CTAPHIDChannelID
    /// The seven-bit command.
    var command: UInt8
    var payload: [UInt8]
    /// The reports that carried it, in order.
    var reports: [[UInt8]]
}

/// Puts a device's IN reports back together, reading the wire format on its own (not through the
/// CTAPHID module's decoder), and checks that they form whole, well-framed messages: 64 bytes each,
/// an init packet then continuations SEQ 0, 1, ... on the same channel, BCNT within the maximum,
/// zero padding after the payload, and no message left unfinished.
struct SentMessageReader {
    private var current: SentMessage?
    private var length = 0
    private var nextSequence: UInt8 = 0
    private(set) var messages: [SentMessage] = []

    mutating func read(_ report: [UInt8]) {
        invariant(report.count == CTAPHIDLimits.reportSize, "an IN report of \(report.count) bytes")
        let channel = CTAPHIDChannelID(rawValue: bigEndianWord(report))
        let header = report[4]
        if header & 0x80 != 0 {
            invariant(current == nil, "an init packet before the previous message's continuations")
            length = Int(report[5]) << 8 | Int(report[6])
            invariant(length <= CTAPHIDLimits.maxMessageSize, "a message of \(length) bytes sent")
            nextSequence = 0
            current = SentMessage(channel: channel, command: header & 0x7F, payload: [], reports: [report])
            take(report[7...])
        } else {
            invariant(current != nil, "a continuation packet with no message started")
            invariant(current?.channel == channel, "a continuation on another channel than its message")
            invariant(header == nextSequence, "SEQ \(header) sent where \(nextSequence) was due")
            nextSequence += 1
            current?.reports.append(report)
            take(report[5...])
        }
    }

    /// The messages read; fails if the last one is unfinished.
    func finished() -> [SentMessage] {
        invariant(current == nil, "a message left without its continuations")
        return messages
    }

    private mutating func take(_ data: ArraySlice<UInt8>) {
        guard var message = current else { return }
        let wanted = min(data.count, length - message.payload.count)
        message.payload.append(contentsOf: data.prefix(wanted))
        invariant(data.dropFirst(wanted).allSatisfy { $0 == 0 }, "padding after a payload is not zero")
        if message.payload.count == length {
            messages.append(message)
            current = nil
        } else {
            current = message
        }
    }
}

/// The first four bytes of a report, big-endian: its channel.
func bigEndianWord(_ report: [UInt8]) -> UInt32 {
    UInt32(report[0]) << 24 | UInt32(report[1]) << 16 | UInt32(report[2]) << 8 | UInt32(report[3])
}

/// A 64-byte report's header fields, read straight from the bytes.
struct WirePacket {
    var channel: CTAPHIDChannelID
    var isInitialization: Bool
    /// The seven-bit command of an init packet.
    var command: UInt8
    /// BCNT of an init packet.
    var length: Int
    /// The data field: 57 bytes of an init packet, 59 of a continuation.
    var data: ArraySlice<UInt8>

    init(_ report: [UInt8]) {
        channel = CTAPHIDChannelID(rawValue: bigEndianWord(report))
        isInitialization = report[4] & 0x80 != 0
        command = isInitialization ? report[4] & 0x7F : 0
        length = isInitialization ? Int(report[5]) << 8 | Int(report[6]) : 0
        data = isInitialization ? report[7...] : report[5...]
    }

    /// True for an init packet of `command` on `channel`.
    func `is`(_ command: UInt8, on channel: CTAPHIDChannelID) -> Bool {
        isInitialization && self.command == command && self.channel == channel
    }
}
