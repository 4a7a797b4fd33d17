/// Why a host-side CTAPHID exchange failed. Every case ends the exchange.
public enum CTAPHIDHostError: Error, Hashable, Sendable {
    /// The request is longer than `CTAPHIDLimits.maxMessageSize` (7609 bytes); nothing was framed.
    case requestTooLong(length: Int)
    /// The device answered CTAPHID_ERROR with this code.
    case device(CTAPHIDErrorCode)
    /// A report that is not exactly 64 bytes.
    case malformedReport(length: Int)
    /// A report on a channel other than the exchange's.
    case wrongChannel(CTAPHIDChannelID)
    /// A response to a command other than the one requested.
    case unexpectedCommand(CTAPHIDCommand)
    /// A continuation packet before any init packet.
    case unexpectedContinuation
    /// An init packet while the response's continuations were still due.
    case unexpectedInitialization
    /// A continuation with the wrong sequence number.
    case outOfSequence(expected: UInt8, received: UInt8)
    /// A response whose BCNT is over `CTAPHIDLimits.maxMessageSize`.
    case responseTooLong(length: Int)
    /// An INIT response that echoes a different nonce (it answers someone else's INIT).
    case nonceMismatch
    /// An INIT response too short, or naming channel 0, broadcast, or (on a resync) another channel.
    case malformedInitResponse
}

/// What a host-side exchange yields from a report that did not simply need more to follow.
public enum CTAPHIDHostEvent: Hashable, Sendable {
    /// The device is still working (CTAPHID_KEEPALIVE); keep reading.
    case keepalive(CTAPHIDKeepaliveStatus)
    /// The whole response payload; the exchange is over.
    case response([UInt8])
}
