// Sizes fixed by the CTAPHID framing (FIDO CTAP 2.1, §11.2.4): a 64-byte HID report carries a
// 4-byte channel id and either a 3-byte init header or a 1-byte continuation header.

/// The named sizes of CTAPHID framing.
public enum CTAPHIDLimits {
    /// Bytes in one HID report (the endpoint's max packet size).
    public static let reportSize = 64
    /// Bytes of the channel identifier at the start of every report.
    public static let channelIDSize = 4
    /// Payload bytes in an initialisation packet: 64 − CID(4) − CMD(1) − BCNT(2).
    public static let initPayloadSize = reportSize - channelIDSize - 3
    /// Payload bytes in a continuation packet: 64 − CID(4) − SEQ(1).
    public static let continuationPayloadSize = reportSize - channelIDSize - 1
    /// Highest continuation sequence number (SEQ is 0x00...0x7F).
    public static let maxSequence = 0x7F
    /// Largest message: one init packet plus 128 continuation packets.
    public static let maxMessageSize = initPayloadSize + (maxSequence + 1) * continuationPayloadSize
}
