import CofferEmulator
import Foundation

/// One device `cofferctl devices` can name.
public struct DeviceListing: Sendable, Codable, Equatable {
    /// The address to pass to --device.
    public let address: String
    /// "embedded", "emulator" or "usb".
    public let kind: String
    /// The serial number, when known.
    public let serial: String?
    /// The product name, when known.
    public let product: String?
    /// The device node (USB), or the state directory (emulator).
    public let node: String?
    /// False when the operating system refuses to open it (see the udev rule).
    public let accessible: Bool
}

/// The devices this host can reach without being told an address: the in-process firmware, the
/// emulators running on this machine (each notes itself in the per-user runtime directory,
/// `EmulatorAnnouncement`), and Coffer devices on the USB bus.
public enum DeviceDirectory {
    /// Everything found; a USB bus that cannot be listed only leaves its devices out. `environment`
    /// names the runtime directory (`COFFER_RUNTIME_DIR`, `XDG_RUNTIME_DIR`).
    public static func list(
        usb filter: USBDeviceFilter = USBDeviceFilter(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> [DeviceListing] {
        var found = [DeviceListing(address: "embedded", kind: "embedded", serial: nil,
                                   product: "Coffer firmware in this process (memory)", node: nil, accessible: true)]
        for note in EmulatorAnnouncement.running(in: EmulatorAnnouncement.directory(environment: environment)) {
            found.append(DeviceListing(address: note.address, kind: "emulator", serial: note.serial,
                                       product: "coffer-emulator (pid \(note.pid))", node: note.stateDir,
                                       accessible: true))
        }
        for device in (try? USBLink.list(filter)) ?? [] {
            found.append(DeviceListing(address: device.address, kind: "usb", serial: device.serial,
                                       product: device.product, node: device.node, accessible: device.accessible))
        }
        return found
    }
}
