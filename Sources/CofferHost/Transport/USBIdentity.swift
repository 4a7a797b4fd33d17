/// How a Coffer device presents itself on USB, and what a host needs to be allowed to open it.
///
/// VID:PID 1209:000C comes from pid.codes' test range (1209:0001–1209:0010), which is for
/// development only: a device that ships needs a PID of its own. The device has one HID interface
/// (class 3, no subclass, no protocol) whose report descriptor declares the FIDO usage page 0xF1D0,
/// usage 0x01 (CTAPHID), with 64-byte input and output reports on interrupt endpoints IN 0x81 and
/// OUT 0x01 — the shape of every CTAPHID authenticator, so the same framing runs over it.
import CofferCrypto
public enum USBIdentity {
    /// pid.codes' vendor id.
    public static let vendorID: UInt16 = 0x1209
    /// Coffer's product id, in pid.codes' test range.
    public static let productID: UInt16 = 0x000C
    /// USB interface class of the CTAPHID interface (HID).
    public static let interfaceClass: UInt8 = 3
    /// The FIDO Alliance's HID usage page.
    public static let hidUsagePage: UInt16 = 0xF1D0
    /// The CTAPHID usage on that page.
    public static let hidUsage: UInt16 = 0x01
    /// The interrupt IN endpoint address.
    public static let inEndpoint: UInt8 = 0x81
    /// The interrupt OUT endpoint address.
    public static let outEndpoint: UInt8 = 0x01

    /// The rule that lets the logged-in user open the device (HostTools/udev/70-coffer.rules).
    public static let udevRule =
        #"SUBSYSTEM=="usb", ATTRS{idVendor}=="1209", ATTRS{idProduct}=="000c", TAG+="uaccess", MODE="0660""#

    /// What to do about a permission error, word for word.
    public static var udevAdvice: String {
        """
        The device node is not open to your user. Install Coffer's udev rule, then unplug and replug the device:
          \(udevRule)
        e.g.
          sudo cp HostTools/udev/70-coffer.rules /etc/udev/rules.d/70-coffer.rules
          sudo udevadm control --reload-rules && sudo udevadm trigger
        """
    }
}

/// Which USB device `usb[:VID:PID][@SERIAL]` names: Coffer's ids unless others are given, and any
/// serial number unless one is.
public struct USBDeviceFilter: Equatable, Sendable, CustomStringConvertible {
    /// The vendor id to match.
    public var vendorID: UInt16
    /// The product id to match.
    public var productID: UInt16
    /// The serial number string to match exactly, or nil for any.
    public var serial: String?

    /// A filter with every field given; Coffer's ids by default.
    public init(vendorID: UInt16 = USBIdentity.vendorID, productID: UInt16 = USBIdentity.productID,
                serial: String? = nil) {
        self.vendorID = vendorID
        self.productID = productID
        self.serial = serial
    }

    /// Parses what follows `usb` in an address: "", ":VID:PID", "@SERIAL" or ":VID:PID@SERIAL".
    init(parsing rest: String, address: String) throws(DeviceError) {
        self.init()
        var ids = Substring(rest)
        if let at = rest.firstIndex(of: "@") {
            let serial = rest[rest.index(after: at)...]
            guard !serial.isEmpty else { throw .invalidAddress(address, reason: "the serial number after @ is empty") }
            self.serial = String(serial)
            ids = rest[..<at]
        }
        guard !ids.isEmpty else { return }
        let parts = ids.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].isEmpty, let vendor = Self.hexID(parts[1]), let product = Self.hexID(parts[2])
        else { throw .invalidAddress(address, reason: "USB ids are written usb:VID:PID in hex, e.g. usb:1209:000c") }
        vendorID = vendor
        productID = product
    }

    private static func hexID(_ text: Substring) -> UInt16? {
        guard (1...4).contains(text.count) else { return nil }
        return UInt16(text, radix: 16)
    }

    /// "usb:1209:000c" with "@SERIAL" when a serial is given.
    public var description: String {
        "usb:" + Hex.encode([UInt8(vendorID >> 8), UInt8(vendorID & 0xFF)]) + ":"
            + Hex.encode([UInt8(productID >> 8), UInt8(productID & 0xFF)]) + (serial.map { "@\($0)" } ?? "")
    }
}
