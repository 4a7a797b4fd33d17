// libusb-1.0 behind USBLink.swift: each C object owned by a class that frees it, every return code
// checked and turned into a DeviceError.

internal import CLibUSB
import CofferCrypto

/// A libusb context: freed with libusb_exit once nothing uses it.
final class LibUSBSession {
    let context: OpaquePointer

    init(device: String) throws(DeviceError) {
        var context: OpaquePointer?
        let rc = libusb_init(&context)
        guard rc == 0, let context else {
            throw .unreachable(device: device, reason: "libusb cannot start: \(LibUSBSession.name(rc))")
        }
        self.context = context
    }

    deinit {
        libusb_exit(context)
    }

    /// The devices on the bus with the given ids, each referenced until the returned values go away.
    func devices(vendorID: UInt16, productID: UInt16, device: String) throws(DeviceError) -> [LibUSBDevice] {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context, &list)
        guard count >= 0, let list else {
            throw .unreachable(device: device, reason: "cannot list USB devices: \(LibUSBSession.name(Int32(count)))")
        }
        // Unref 0: each kept device takes its own reference below, then the list is freed with its own.
        defer { libusb_free_device_list(list, 1) }
        var found: [LibUSBDevice] = []
        for index in 0..<count {
            guard let device = list[index] else { continue }
            var descriptor = libusb_device_descriptor()
            guard libusb_get_device_descriptor(device, &descriptor) == 0,
                descriptor.idVendor == vendorID, descriptor.idProduct == productID
            else { continue }
            found.append(LibUSBDevice(device, descriptor: descriptor, session: self))
        }
        return found
    }

    /// libusb's name for an error code ("LIBUSB_ERROR_ACCESS").
    static func name(_ code: Int32) -> String {
        String(cString: libusb_error_name(code))
    }
}

/// One device found on the bus; holds a libusb reference to it.
final class LibUSBDevice {
    let device: OpaquePointer
    let descriptor: libusb_device_descriptor
    private let session: LibUSBSession

    init(_ device: OpaquePointer, descriptor: libusb_device_descriptor, session: LibUSBSession) {
        self.device = libusb_ref_device(device)
        self.descriptor = descriptor
        self.session = session
    }

    deinit {
        libusb_unref_device(device)
    }

    /// The usbfs node libusb opens, for messages ("/dev/bus/usb/001/004").
    var node: String {
        let bus = String(libusb_get_bus_number(device))
        let address = String(libusb_get_device_address(device))
        return "/dev/bus/usb/" + String(repeating: "0", count: 3 - bus.count) + bus + "/"
            + String(repeating: "0", count: 3 - address.count) + address
    }

    /// Opens the device; access errors surface as `.permissionDenied` naming the node.
    func open(device name: String) throws(DeviceError) -> LibUSBHandle {
        var handle: OpaquePointer?
        let rc = libusb_open(device, &handle)
        guard rc == 0, let handle else {
            switch rc {
            case LIBUSB_ERROR_ACCESS.rawValue: throw .permissionDenied(device: name, node: node)
            case LIBUSB_ERROR_BUSY.rawValue: throw .busy(device: name, holder: "\(node) is held by another program")
            default: throw .unreachable(device: name, reason: "cannot open \(node): \(LibUSBSession.name(rc))")
            }
        }
        return LibUSBHandle(handle, device: self)
    }

    /// The first HID interface of the active configuration that has an interrupt IN and an interrupt
    /// OUT endpoint: (interface number, IN address, OUT address).
    func hidInterface() -> (number: Int32, inEndpoint: UInt8, outEndpoint: UInt8)? {
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        guard libusb_get_active_config_descriptor(device, &config) == 0, let config else { return nil }
        defer { libusb_free_config_descriptor(config) }
        for i in 0..<Int(config.pointee.bNumInterfaces) {
            let interface = config.pointee.interface[i]
            for a in 0..<Int(interface.num_altsetting) {
                let setting = interface.altsetting[a]
                guard setting.bInterfaceClass == UInt8(LIBUSB_CLASS_HID.rawValue) else { continue }
                var inAddress: UInt8?
                var outAddress: UInt8?
                for e in 0..<Int(setting.bNumEndpoints) {
                    let endpoint = setting.endpoint[e]
                    guard endpoint.bmAttributes & 0x03 == UInt8(LIBUSB_TRANSFER_TYPE_INTERRUPT.rawValue) else {
                        continue
                    }
                    if endpoint.bEndpointAddress & 0x80 != 0 {
                        inAddress = inAddress ?? endpoint.bEndpointAddress
                    } else {
                        outAddress = outAddress ?? endpoint.bEndpointAddress
                    }
                }
                if let inAddress, let outAddress {
                    return (Int32(setting.bInterfaceNumber), inAddress, outAddress)
                }
            }
        }
        return nil
    }
}

/// An open device: closed on deinit, after releasing the interface it claimed.
final class LibUSBHandle {
    let handle: OpaquePointer
    private let device: LibUSBDevice
    private var claimed: Int32?

    init(_ handle: OpaquePointer, device: LibUSBDevice) {
        self.handle = handle
        self.device = device
    }

    deinit {
        if let claimed { _ = libusb_release_interface(handle, claimed) }
        libusb_close(handle)
    }

    /// An ASCII string descriptor (serial number, product name); nil when absent or unreadable.
    func string(at index: UInt8) -> String? {
        guard index != 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = libusb_get_string_descriptor_ascii(handle, index, &buffer, Int32(buffer.count))
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<Int(count)], as: UTF8.self)
    }

    /// Claims `interface`, detaching a kernel driver (usbhid) first where the platform allows.
    func claim(_ interface: Int32, device name: String) throws(DeviceError) {
        // NOT_SUPPORTED on platforms without kernel drivers to detach: nothing to do there.
        _ = libusb_set_auto_detach_kernel_driver(handle, 1)
        let rc = libusb_claim_interface(handle, interface)
        switch rc {
        case 0:
            claimed = interface
        case LIBUSB_ERROR_BUSY.rawValue:
            throw .busy(device: name, holder: "interface \(interface) of \(device.node) is claimed by another program")
        case LIBUSB_ERROR_ACCESS.rawValue:
            throw .permissionDenied(device: name, node: device.node)
        default:
            throw .unreachable(device: name, reason: "cannot claim interface \(interface): \(LibUSBSession.name(rc))")
        }
    }

    /// One interrupt transfer of up to `buffer.count` bytes: the bytes moved, or nil on timeout.
    func interrupt(_ endpoint: UInt8, _ buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: UInt32,
                   device name: String) throws(DeviceError) -> Int? {
        var transferred: Int32 = 0
        let rc = libusb_interrupt_transfer(
            handle, endpoint, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(buffer.count),
            &transferred, timeoutMilliseconds)
        switch rc {
        case 0: return Int(transferred)
        case LIBUSB_ERROR_TIMEOUT.rawValue: return transferred > 0 ? Int(transferred) : nil
        case LIBUSB_ERROR_NO_DEVICE.rawValue: throw .unreachable(device: name, reason: "the device was unplugged")
        default:
            throw .unreachable(device: name, reason: "transfer on endpoint 0x\(Hex.encode([endpoint])) failed: "
                + LibUSBSession.name(rc))
        }
    }
}
