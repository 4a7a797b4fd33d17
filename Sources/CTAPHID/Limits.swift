// Sizes and times fixed by CTAPHID (FIDO CTAP 2.1, §11.2). The framing figures come from §11.2.4: a
// 64-byte HID report carries a 4-byte channel id and either a 3-byte init header or a 1-byte
// continuation header.

/// The named sizes and times of CTAPHID framing.
public enum CTAPHIDLimits {
    /// Bytes in one HID report (the endpoint's max packet size, §11.2.4 and §11.2.8.1).
    public static let reportSize = 64
    /// Bytes of the channel identifier at the start of every report (§11.2.4).
    public static let channelIDSize = 4
    /// Payload bytes in an initialisation packet: 64 − CID(4) − CMD(1) − BCNT(2).
    public static let initPayloadSize = reportSize - channelIDSize - 3
    /// Payload bytes in a continuation packet: 64 − CID(4) − SEQ(1).
    public static let continuationPayloadSize = reportSize - channelIDSize - 1
    /// Highest continuation sequence number (SEQ is 0x00...0x7F, §11.2.4).
    public static let maxSequence = 0x7F
    /// Largest message: one init packet plus 128 continuation packets.
    public static let maxMessageSize = initPayloadSize + (maxSequence + 1) * continuationPayloadSize
    /// Bytes of the nonce in a CTAPHID_INIT request and its echo in the response (§11.2.9.1.3).
    public static let initNonceSize = 8
    /// Longest lock a CTAPHID_LOCK request may ask for, in seconds (§11.2.9.2.2: 0...10).
    public static let maxLockSeconds = 10
    /// How long, in milliseconds, a message being received may wait for its next packet before the
    /// device abandons it with ERR_MSG_TIMEOUT. §11.2.5.2 asks for a transaction timeout and leaves
    /// the figure to the device; a host streams a message's packets back to back, so half a second
    /// of silence means it has gone away.
    public static let messageTimeoutMilliseconds: UInt64 = 500
    /// How long, in milliseconds from its init packet, a message being received may take in all
    /// before the device abandons it with ERR_MSG_TIMEOUT, however steadily its packets come. Without
    /// it a host that sends a continuation every 499 ms holds every other channel at
    /// ERR_CHANNEL_BUSY for over a minute per message. The largest message (1 + 128 packets) takes
    /// 645 ms at the 5 ms polling interval of Coffer's USB endpoints, well inside the bound.
    public static let messageDeadlineMilliseconds: UInt64 = 1000
}
