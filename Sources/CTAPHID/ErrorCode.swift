/// The one-byte code carried by a CTAPHID_ERROR response (§11.2.9.1.6).
///
/// An open set so that a host can report a code it does not know; the standard codes are named.
/// Extend-only: never renumber.
public struct CTAPHIDErrorCode: RawRepresentable, Hashable, Sendable {
    /// The code as sent on the wire.
    public var rawValue: UInt8

    /// Wraps a wire code.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// ERR_INVALID_CMD: the command is not one this device accepts.
    public static let invalidCommand = CTAPHIDErrorCode(rawValue: 0x01)
    /// ERR_INVALID_PAR: a parameter in the request is out of range (a LOCK longer than 10 s).
    public static let invalidParameter = CTAPHIDErrorCode(rawValue: 0x02)
    /// ERR_INVALID_LEN: the message length is wrong for the command or over the maximum.
    public static let invalidLength = CTAPHIDErrorCode(rawValue: 0x03)
    /// ERR_INVALID_SEQ: a continuation packet arrived out of order; the message is abandoned.
    public static let invalidSequence = CTAPHIDErrorCode(rawValue: 0x04)
    /// ERR_MSG_TIMEOUT: a message stopped arriving before it was complete.
    public static let messageTimeout = CTAPHIDErrorCode(rawValue: 0x05)
    /// ERR_CHANNEL_BUSY: another channel holds the device (a transaction or a lock).
    public static let channelBusy = CTAPHIDErrorCode(rawValue: 0x06)
    /// ERR_LOCK_REQUIRED: the command needs a channel lock first (unused by this device).
    public static let lockRequired = CTAPHIDErrorCode(rawValue: 0x0A)
    /// ERR_INVALID_CHANNEL: the channel is reserved, broadcast (for anything but INIT) or unallocated.
    public static let invalidChannel = CTAPHIDErrorCode(rawValue: 0x0B)
    /// ERR_OTHER: any other failure.
    public static let other = CTAPHIDErrorCode(rawValue: 0x7F)
}

/// The status byte of a CTAPHID_KEEPALIVE packet (§11.2.9.1.7).
public struct CTAPHIDKeepaliveStatus: RawRepresentable, Hashable, Sendable {
    /// The status as sent on the wire.
    public var rawValue: UInt8

    /// Wraps a wire status.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// STATUS_PROCESSING: the device is working on the request.
    public static let processing = CTAPHIDKeepaliveStatus(rawValue: 1)
    /// STATUS_UPNEEDED: the device waits for the user to show presence.
    public static let userPresenceNeeded = CTAPHIDKeepaliveStatus(rawValue: 2)
}

/// The capability flags a device announces in its CTAPHID_INIT response (§11.2.9.1.3).
public struct CTAPHIDCapabilities: OptionSet, Hashable, Sendable {
    /// The flags byte as sent on the wire.
    public var rawValue: UInt8

    /// Wraps a flags byte.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// CAPABILITY_WINK: the device implements CTAPHID_WINK.
    public static let wink = CTAPHIDCapabilities(rawValue: 0x01)
    /// CAPABILITY_CBOR: the device implements CTAPHID_CBOR.
    public static let cbor = CTAPHIDCapabilities(rawValue: 0x04)
    /// CAPABILITY_NMSG: the device does NOT implement CTAPHID_MSG.
    public static let noMessage = CTAPHIDCapabilities(rawValue: 0x08)
}
