/// Where a device is, as `--device` and `COFFER_DEVICE` spell it.
///
/// - `embedded` or `embedded:STATE_DIR`: the firmware in this process, on memory or on an emulator
///   state directory;
/// - `udp://HOST:PORT`: an emulator's UDP socket;
/// - `usb`, `usb:VID:PID`, `usb@SERIAL`, `usb:VID:PID@SERIAL`: a device on the USB bus (hex ids).
public enum DeviceAddress: Equatable, Sendable, CustomStringConvertible {
    /// The firmware in-process; a state directory makes it durable, nil keeps it in memory.
    case embedded(stateDirectory: String?)
    /// An emulator reached over UDP.
    case udp(host: String, port: UInt16)
    /// A USB device matching these ids and, when given, this serial number.
    case usb(USBDeviceFilter)

    /// The device used when none is named.
    public static let standard = DeviceAddress.embedded(stateDirectory: nil)

    /// Parses an address; `.invalidAddress` says what is wrong.
    public init(parsing text: String) throws(DeviceError) {
        if text == "embedded" {
            self = .embedded(stateDirectory: nil)
        } else if text.hasPrefix("embedded:") {
            let directory = String(text.dropFirst("embedded:".count))
            guard !directory.isEmpty else { throw .invalidAddress(text, reason: "the state directory is empty") }
            self = .embedded(stateDirectory: directory)
        } else if text.hasPrefix("udp://") {
            self = try DeviceAddress.udp(text, rest: String(text.dropFirst("udp://".count)))
        } else if text == "usb" || text.hasPrefix("usb:") || text.hasPrefix("usb@") {
            self = .usb(try USBDeviceFilter(parsing: String(text.dropFirst(3)), address: text))
        } else {
            throw .invalidAddress(text, reason: "unknown kind of device")
        }
    }

    private static func udp(_ text: String, rest: String) throws(DeviceError) -> DeviceAddress {
        // "[::1]:4000" for IPv6, "host:4000" otherwise.
        let host: Substring
        let port: Substring
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix(":") else { throw .invalidAddress(text, reason: "a port must follow the host") }
            port = after.dropFirst()
        } else {
            guard let colon = rest.lastIndex(of: ":") else {
                throw .invalidAddress(text, reason: "a port must follow the host")
            }
            host = rest[..<colon]
            port = rest[rest.index(after: colon)...]
        }
        guard !host.isEmpty else { throw .invalidAddress(text, reason: "the host is empty") }
        guard let number = UInt16(port), number != 0 else {
            throw .invalidAddress(text, reason: "the port must be a number from 1 to 65535")
        }
        return .udp(host: String(host), port: number)
    }

    public var description: String {
        switch self {
        case .embedded(nil): "embedded"
        case .embedded(let directory?): "embedded:\(directory)"
        case .udp(let host, let port): host.contains(":") ? "udp://[\(host)]:\(port)" : "udp://\(host):\(port)"
        case .usb(let filter): filter.description
        }
    }
}
