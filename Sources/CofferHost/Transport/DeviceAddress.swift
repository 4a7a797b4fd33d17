#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a device is, as `--device` and `COFFER_DEVICE` spell it.
///
/// - `embedded` or `embedded:STATE_DIR`: the firmware in this process, on memory or on an emulator
///   state directory;
/// - `udp://HOST:PORT`: an emulator's UDP socket;
/// - `usb`, `usb:VID:PID`, `usb@SERIAL`, `usb:VID:PID@SERIAL`: a device on the USB bus (hex ids);
/// - `https://HOST[:PORT]`: a realm's front-end (`http://` on loopback only: a token must not cross a
///   network in clear).
public enum DeviceAddress: Equatable, Sendable, CustomStringConvertible {
    /// The firmware in-process; a state directory makes it durable, nil keeps it in memory.
    case embedded(stateDirectory: String?)
    /// An emulator reached over UDP.
    case udp(host: String, port: UInt16)
    /// A USB device matching these ids and, when given, this serial number.
    case usb(USBDeviceFilter)
    /// A realm's front-end at this base URL (`https://...`, or `http://` on loopback).
    case frontend(url: String)

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
        } else if text.hasPrefix("https://") || text.hasPrefix("http://") {
            self = try DeviceAddress.frontend(text)
        } else if text == "usb" || text.hasPrefix("usb:") || text.hasPrefix("usb@") {
            self = .usb(try USBDeviceFilter(parsing: String(text.dropFirst(3)), address: text))
        } else {
            throw .invalidAddress(text, reason: "unknown kind of device")
        }
    }

    private static func frontend(_ text: String) throws(DeviceError) -> DeviceAddress {
        let secure = text.hasPrefix("https://")
        var rest = Substring(text.dropFirst(secure ? "https://".count : "http://".count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@"), !rest.contains("?") else {
            throw .invalidAddress(text, reason: "a front-end is named by scheme, host and port only")
        }
        let host: Substring
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[rest.index(after: rest.startIndex)..<close]
        } else {
            host = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)[0]
        }
        guard !host.isEmpty else { throw .invalidAddress(text, reason: "the host is empty") }
        guard secure || host == "localhost" || host == "::1" || host.hasPrefix("127.") else {
            throw .invalidAddress(
                text, reason: "plain http:// is for loopback only (the token would cross the network in clear)")
        }
        return .frontend(url: secure ? "https://" + rest : "http://" + rest)
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
        case .frontend(let url): url
        }
    }
}

extension DeviceAddress {
    /// The name this device's identity is pinned under: the address as the user gave it, spelled
    /// one way (a lower-case host, hex ids as `usb:1209:000c`, a state directory absolute with its
    /// symbolic links resolved), so that two spellings of one address share one pin. Nil for the
    /// in-memory device, which lives and dies with the process and has nothing to pin.
    public var pinAddress: String? {
        switch self {
        case .embedded(nil): nil
        case .embedded(let directory?): "embedded:" + Self.canonicalPath(directory)
        case .udp(let host, let port): DeviceAddress.udp(host: host.lowercased(), port: port).description
        case .usb(let filter): filter.description
        // A realm is pinned by its manifest, not by the address of a front-end.
        case .frontend: nil
        }
    }

    /// `path` absolute and without `.`, `..` or symbolic links when it exists (realpath), else
    /// absolute and without `.` and `..`, as far as the text can tell.
    static func canonicalPath(_ path: String) -> String {
        if let resolved = realpath(path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        var absolute = path
        if !path.hasPrefix("/"), let cwd = getcwd(nil, 0) {
            absolute = String(cString: cwd) + "/" + path
            free(cwd)
        }
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        return "/" + parts.joined(separator: "/")
    }
}
