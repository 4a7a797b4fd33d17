/// The first packet of a message: CID, CMD|0x80, BCNT (big-endian), then up to 57 payload bytes
/// (§11.2.4).
public struct CTAPHIDInitializationPacket: Hashable, Sendable {
    /// The channel the packet travels on.
    public var channel: CTAPHIDChannelID
    /// The message's command.
    public var command: CTAPHIDCommand
    /// BCNT: the whole message's payload length, which may exceed what this packet carries.
    public var messageLength: Int
    /// The packet's data field, `CTAPHIDLimits.initPayloadSize` bytes (zero padded past the message).
    public var data: [UInt8]
}

/// A packet after the first: CID, SEQ (0...0x7F), then 59 payload bytes (§11.2.4).
public struct CTAPHIDContinuationPacket: Hashable, Sendable {
    /// The channel the packet travels on.
    public var channel: CTAPHIDChannelID
    /// The packet's position after the init packet, counting from 0.
    public var sequence: UInt8
    /// The packet's data field, `CTAPHIDLimits.continuationPayloadSize` bytes.
    public var data: [UInt8]
}

/// One 64-byte CTAPHID report, decoded.
public enum CTAPHIDPacket: Hashable, Sendable {
    /// The first packet of a message (CMD byte has bit 7 set).
    case initialization(CTAPHIDInitializationPacket)
    /// A later packet of a message (SEQ byte has bit 7 clear).
    case continuation(CTAPHIDContinuationPacket)

    /// Decodes a report; nil unless it is exactly `CTAPHIDLimits.reportSize` bytes.
    public init?(report: [UInt8]) {
        guard report.count == CTAPHIDLimits.reportSize else { return nil }
        let channel = CTAPHIDChannelID(bytes: report, at: 0)
        let header = report[CTAPHIDLimits.channelIDSize]
        if header & CTAPHIDCommand.initPacketFlag != 0 {
            let dataStart = CTAPHIDLimits.channelIDSize + 3
            self = .initialization(CTAPHIDInitializationPacket(
                channel: channel,
                command: CTAPHIDCommand(rawValue: header & ~CTAPHIDCommand.initPacketFlag),
                messageLength: Int(report[dataStart - 2]) << 8 | Int(report[dataStart - 1]),
                data: Array(report[dataStart...])
            ))
        } else {
            self = .continuation(CTAPHIDContinuationPacket(
                channel: channel,
                sequence: header,
                data: Array(report[(CTAPHIDLimits.channelIDSize + 1)...])
            ))
        }
    }

    /// The channel the packet travels on.
    public var channel: CTAPHIDChannelID {
        switch self {
        case .initialization(let packet): packet.channel
        case .continuation(let packet): packet.channel
        }
    }
}

extension CTAPHIDInitializationPacket {
    /// Encodes the packet as one report, zero padding the data field.
    public var report: [UInt8] {
        precondition(messageLength >= 0 && messageLength <= Int(UInt16.max), "BCNT is 16 bits")
        precondition(data.count <= CTAPHIDLimits.initPayloadSize, "an init packet holds 57 bytes")
        var bytes = channel.bytes
        bytes.reserveCapacity(CTAPHIDLimits.reportSize)
        bytes.append(command.rawValue | CTAPHIDCommand.initPacketFlag)
        bytes.append(UInt8(truncatingIfNeeded: messageLength >> 8))
        bytes.append(UInt8(truncatingIfNeeded: messageLength))
        bytes.append(contentsOf: data)
        padToReportSize(&bytes)
        return bytes
    }
}

extension CTAPHIDContinuationPacket {
    /// Encodes the packet as one report, zero padding the data field.
    public var report: [UInt8] {
        precondition(Int(sequence) <= CTAPHIDLimits.maxSequence, "SEQ is 0...0x7F")
        precondition(data.count <= CTAPHIDLimits.continuationPayloadSize, "a continuation holds 59 bytes")
        var bytes = channel.bytes
        bytes.reserveCapacity(CTAPHIDLimits.reportSize)
        bytes.append(sequence)
        bytes.append(contentsOf: data)
        padToReportSize(&bytes)
        return bytes
    }
}

private func padToReportSize(_ bytes: inout [UInt8]) {
    bytes.append(contentsOf: repeatElement(0, count: CTAPHIDLimits.reportSize - bytes.count))
}
