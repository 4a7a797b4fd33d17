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
        var reports = [CTAPHIDInitializationPacket(
            channel: channel,
            command: command,
            messageLength: payload.count,
            data: Array(payload[0..<firstEnd])
        ).report]
        var start = firstEnd
        var sequence: UInt8 = 0
        while start < payload.count {
            let end = min(payload.count, start + CTAPHIDLimits.continuationPayloadSize)
            reports.append(CTAPHIDContinuationPacket(
                channel: channel,
                sequence: sequence,
                data: Array(payload[start..<end])
            ).report)
            start = end
            sequence += 1
        }
        return reports
    }
}
