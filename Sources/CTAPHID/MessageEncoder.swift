/// Why a message cannot be framed.
public enum CTAPHIDFramingError: Error, Hashable, Sendable {
    /// The payload is longer than `CTAPHIDLimits.maxMessageSize` (7609 bytes).
    case messageTooLong(length: Int)
}

/// Fragments messages into 64-byte reports: one init packet, then continuations with SEQ 0, 1, ...
/// The same framing serves requests (host) and responses (device), any command, errors included.
public enum CTAPHIDMessageEncoder {
    /// The reports that carry `payload` as a `command` message on `channel`.
    public static func reports(
        channel: CTAPHIDChannelID,
        command: CTAPHIDCommand,
        payload: [UInt8]
    ) throws(CTAPHIDFramingError) -> [[UInt8]] {
        guard payload.count <= CTAPHIDLimits.maxMessageSize else {
            throw .messageTooLong(length: payload.count)
        }
        return boundedReports(channel: channel, command: command, payload: payload)
    }

    /// The single report of a CTAPHID_ERROR response carrying `code`.
    public static func errorReport(channel: CTAPHIDChannelID, code: CTAPHIDErrorCode) -> [UInt8] {
        CTAPHIDInitializationPacket(channel: channel, command: .error, messageLength: 1, data: [code.rawValue]).report
    }

    /// The single report of a CTAPHID_KEEPALIVE carrying `status`.
    public static func keepaliveReport(channel: CTAPHIDChannelID, status: CTAPHIDKeepaliveStatus) -> [UInt8] {
        CTAPHIDInitializationPacket(channel: channel, command: .keepalive, messageLength: 1, data: [status.rawValue])
            .report
    }

    /// Fragments a payload already known to fit; a longer one is a caller bug.
    static func boundedReports(channel: CTAPHIDChannelID, command: CTAPHIDCommand, payload: [UInt8]) -> [[UInt8]] {
        precondition(payload.count <= CTAPHIDLimits.maxMessageSize, "message over the CTAPHID maximum")
        let firstEnd = min(payload.count, CTAPHIDLimits.initPayloadSize)
        let continuations = (payload.count - firstEnd + CTAPHIDLimits.continuationPayloadSize - 1)
            / CTAPHIDLimits.continuationPayloadSize
        var reports: [[UInt8]] = []
        reports.reserveCapacity(1 + continuations)
        // Each report written once, in place: the same bytes as the packets' `report`, without a
        // data array per packet.
        reports.append(report(
            channel: channel, header: [command.rawValue | CTAPHIDCommand.initPacketFlag,
                                       UInt8(truncatingIfNeeded: payload.count >> 8), UInt8(truncatingIfNeeded: payload.count)],
            data: payload[0..<firstEnd]))
        var start = firstEnd
        var sequence: UInt8 = 0
        while start < payload.count {
            let end = min(payload.count, start + CTAPHIDLimits.continuationPayloadSize)
            reports.append(report(channel: channel, header: CollectionOfOne(sequence), data: payload[start..<end]))
            start = end
            sequence += 1
        }
        return reports
    }

    /// One zero-padded report: CID, `header`, `data`.
    private static func report(
        channel: CTAPHIDChannelID, header: some Collection<UInt8>, data: ArraySlice<UInt8>
    ) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: CTAPHIDLimits.reportSize) { bytes, count in
            let id = channel.rawValue
            bytes[0] = UInt8(truncatingIfNeeded: id >> 24)
            bytes[1] = UInt8(truncatingIfNeeded: id >> 16)
            bytes[2] = UInt8(truncatingIfNeeded: id >> 8)
            bytes[3] = UInt8(truncatingIfNeeded: id)
            var index = CTAPHIDLimits.channelIDSize
            for byte in header {
                bytes[index] = byte
                index += 1
            }
            precondition(index + data.count <= CTAPHIDLimits.reportSize, "the data fits the report")
            data.withUnsafeBufferPointer { data in
                for offset in 0..<data.count { bytes[index + offset] = data[offset] }
            }
            index += data.count
            for offset in index..<CTAPHIDLimits.reportSize { bytes[offset] = 0 }
            count = CTAPHIDLimits.reportSize
        }
    }
}
