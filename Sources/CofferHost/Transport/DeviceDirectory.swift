/// One device `cofferctl devices` can name.
public struct DeviceListing: Sendable, Codable, Equatable {
    /// The address to pass to --device.
    public let address: String
    /// "embedded" or "usb".
    public let kind: String
    /// The serial number, when known.
    public let serial: String?
    /// The product name, when known.
    public let product: String?
    /// The device node (USB only).
    public let node: String?
    /// False when the operating system refuses to open it (see the udev rule).
    public let accessible: Bool
}

/// The devices this host can reach without being told an address: the in-process firmware, and
/// Coffer devices on the USB bus. An emulator's UDP port cannot be discovered; name it.
public enum DeviceDirectory {
    /// Everything found; a USB bus that cannot be listed only leaves its devices out.
    public static func list(usb filter: USBDeviceFilter = USBDeviceFilter()) -> [DeviceListing] {
        var found = [DeviceListing(address: "embedded", kind: "embedded", serial: nil,
                                   product: "Coffer firmware in this process (memory)", node: nil, accessible: true)]
        for device in (try? USBLink.list(filter)) ?? [] {
            found.append(DeviceListing(address: device.address, kind: "usb", serial: device.serial,
                                       product: device.product, node: device.node, accessible: device.accessible))
        }
        return found
    }
}
