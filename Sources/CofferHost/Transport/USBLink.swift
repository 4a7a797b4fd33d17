import CTAPHID

/// A USB device on the bus that matches a filter, as `cofferctl devices` lists it.
public struct USBDeviceListing: Equatable, Sendable {
    /// Vendor id.
    public var vendorID: UInt16
    /// Product id.
    public var productID: UInt16
    /// The serial number string, nil when the device has none or could not be opened.
    public var serial: String?
    /// The product name string, when readable.
    public var product: String?
    /// The usbfs node ("/dev/bus/usb/001/004").
    public var node: String
    /// False when the operating system refused to open the device (see the udev rule).
    public var accessible: Bool

    /// The address that names exactly this device.
    public var address: String {
        USBDeviceFilter(vendorID: vendorID, productID: productID, serial: serial).description
    }
}

/// Reports over a USB HID interface through libusb: 64-byte interrupt transfers on the
/// interface's IN and OUT endpoints, with the interface claimed for this process.
public final class USBLink: ReportLink {
    public let deviceName: String
    private let handle: LibUSBHandle
    private let inEndpoint: UInt8
    private let outEndpoint: UInt8
    /// Transfer buffers of one report each, owned by the link (libusb writes into raw memory).
    private let inBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: CTAPHIDLimits.reportSize, alignment: 8)
    private let outBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: CTAPHIDLimits.reportSize, alignment: 8)

    /// Opens the first device that matches `filter` and claims its HID interface.
    ///
    /// - Throws: `.permissionDenied` when a matching device exists but may not be opened (and
    ///   none other may), `.busy` when another program claimed the interface, `.unreachable`
    ///   when no such device is connected.
    public init(filter: USBDeviceFilter) throws(DeviceError) {
        deviceName = filter.description
        let session = try LibUSBSession(device: deviceName)
        var denied: DeviceError?
        for device in try session.devices(vendorID: filter.vendorID, productID: filter.productID, device: deviceName) {
            let handle: LibUSBHandle
            do throws(DeviceError) {
                handle = try device.open(device: deviceName)
            } catch {
                // Another device may still match and be open to us; report the refusal only if none is.
                if case .permissionDenied = error { denied = error; continue }
                throw error
            }
            if let wanted = filter.serial, handle.string(at: device.descriptor.iSerialNumber) != wanted { continue }
            guard let interface = device.hidInterface() else {
                throw .unreachable(device: deviceName,
                                   reason: "\(device.node) has no HID interface with interrupt endpoints")
            }
            try handle.claim(interface.number, device: deviceName)
            self.handle = handle
            inEndpoint = interface.inEndpoint
            outEndpoint = interface.outEndpoint
            return
        }
        if let denied { throw denied }
        throw .unreachable(device: deviceName, reason: "no such USB device is connected")
    }

    deinit {
        inBuffer.deallocate()
        outBuffer.deallocate()
    }

    public func send(_ report: [UInt8]) throws(DeviceError) {
        precondition(report.count == CTAPHIDLimits.reportSize, "a report is 64 bytes")
        report.withUnsafeBytes { outBuffer.copyMemory(from: $0) }
        let sent = try handle.interrupt(outEndpoint, outBuffer, timeoutMilliseconds: 1000, device: deviceName)
        guard sent == report.count else {
            throw .noResponse(device: deviceName, afterMilliseconds: 1000)
        }
    }

    public func receive(timeoutMilliseconds: Int) throws(DeviceError) -> [UInt8]? {
        // libusb reads a timeout of 0 as "forever"; the shortest wait it offers is 1 ms.
        let timeout = UInt32(clamping: max(1, timeoutMilliseconds))
        guard let count = try handle.interrupt(inEndpoint, inBuffer, timeoutMilliseconds: timeout, device: deviceName)
        else { return nil }
        guard count == CTAPHIDLimits.reportSize else {
            throw .protocolViolation(device: deviceName, .malformedReport(length: count))
        }
        return [UInt8](inBuffer)
    }

    /// The devices on the bus that match `filter`, with their serial numbers where readable.
    public static func list(_ filter: USBDeviceFilter) throws(DeviceError) -> [USBDeviceListing] {
        let session = try LibUSBSession(device: filter.description)
        var listings: [USBDeviceListing] = []
        for device in try session.devices(vendorID: filter.vendorID, productID: filter.productID,
                                          device: filter.description) {
            var listing = USBDeviceListing(vendorID: device.descriptor.idVendor, productID: device.descriptor.idProduct,
                                           serial: nil, product: nil, node: device.node, accessible: true)
            if let handle = try? device.open(device: filter.description) {
                listing.serial = handle.string(at: device.descriptor.iSerialNumber)
                listing.product = handle.string(at: device.descriptor.iProduct)
            } else {
                listing.accessible = false
            }
            if filter.serial == nil || listing.serial == filter.serial { listings.append(listing) }
        }
        return listings
    }
}
