/// A CTAPHID command code: the low seven bits of an init packet's CMD byte (§11.2.9).
///
/// An open set: the standard commands are named; vendor commands (0x40...0x7F) are any code in that
/// range (§11.2.9.3).
public struct CTAPHIDCommand: RawRepresentable, Hashable, Sendable {
    /// The seven-bit code, without the init-packet flag 0x80.
    public var rawValue: UInt8

    /// Wraps a seven-bit code; the top bit belongs to the packet header and must be clear.
    public init(rawValue: UInt8) {
        precondition(rawValue & CTAPHIDCommand.initPacketFlag == 0, "a command code is seven bits")
        self.rawValue = rawValue
    }

    /// The CMD-byte bit that marks an initialisation packet (§11.2.4).
    static let initPacketFlag: UInt8 = 0x80

    /// CTAPHID_PING: the device echoes the payload (§11.2.9.1.4).
    public static let ping = CTAPHIDCommand(rawValue: 0x01)
    /// CTAPHID_MSG: a CTAP1/U2F APDU (§11.2.9.1.1); this device advertises NMSG and refuses it.
    public static let msg = CTAPHIDCommand(rawValue: 0x03)
    /// CTAPHID_LOCK: reserve the device for one channel for up to 10 s (§11.2.9.2.2).
    public static let lock = CTAPHIDCommand(rawValue: 0x04)
    /// CTAPHID_INIT: allocate a channel, or resynchronise one (§11.2.9.1.3).
    public static let initialize = CTAPHIDCommand(rawValue: 0x06)
    /// CTAPHID_WINK: ask the device to identify itself visibly (§11.2.9.2.1).
    public static let wink = CTAPHIDCommand(rawValue: 0x08)
    /// CTAPHID_CBOR: a CTAP2 message (§11.2.9.1.2); this device does not advertise CBOR and refuses it.
    public static let cbor = CTAPHIDCommand(rawValue: 0x10)
    /// CTAPHID_CANCEL: cancel the request outstanding on the channel; never answered (§11.2.9.1.5).
    public static let cancel = CTAPHIDCommand(rawValue: 0x11)
    /// CTAPHID_KEEPALIVE: device to host, "still working" while a request is processed (§11.2.9.1.7).
    public static let keepalive = CTAPHIDCommand(rawValue: 0x3B)
    /// CTAPHID_ERROR: device to host, the request failed at the transport level (§11.2.9.1.6).
    public static let error = CTAPHIDCommand(rawValue: 0x3F)

    /// Lowest vendor command code (§11.2.9.3).
    public static let firstVendor = CTAPHIDCommand(rawValue: 0x40)
    /// Highest vendor command code (§11.2.9.3).
    public static let lastVendor = CTAPHIDCommand(rawValue: 0x7F)

    /// True for a vendor command (0x40...0x7F), which the device hands to its application.
    public var isVendor: Bool {
        rawValue >= CTAPHIDCommand.firstVendor.rawValue && rawValue <= CTAPHIDCommand.lastVendor.rawValue
    }
}
