#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CTAPHID
import CofferEmulator
import Foundation

/// Reports over UDP, one 64-byte report per datagram: the emulator's stand-in for a USB cable.
///
/// The socket is connected to the device's address, so only its datagrams arrive and a port with
/// nothing listening shows up as "connection refused" rather than as a long silence.
public final class UDPLink: ReportLink {
    public let deviceName: String
    private let host: String
    private let port: UInt16
    private let descriptor: Int32
    private var datagram = [UInt8](repeating: 0, count: 2048)

    /// Connects to `host` (a name or a numeric IPv4/IPv6 address) and `port`.
    public init(host: String, port: UInt16) throws(DeviceError) {
        deviceName = host.contains(":") ? "udp://[\(host)]:\(port)" : "udp://\(host):\(port)"
        self.host = host
        self.port = port
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var found: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &found)
        guard rc == 0, let first = found else {
            let reason = String(cString: gai_strerror(rc))
            throw .unreachable(device: deviceName, reason: "cannot resolve '\(host)': \(reason)")
        }
        defer { freeaddrinfo(first) }
        var lastError: Int32 = 0
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
            if fd >= 0 {
                if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    descriptor = fd
                    return
                }
                lastError = errno
                close(fd)
            } else {
                lastError = errno
            }
            candidate = info.pointee.ai_next
        }
        throw .unreachable(device: deviceName, reason: String(cString: strerror(lastError)))
    }

    deinit {
        close(descriptor)
    }

    public func send(_ report: [UInt8]) throws(DeviceError) {
        precondition(report.count == CTAPHIDLimits.reportSize, "a report is 64 bytes")
        while true {
            let sent = report.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent == report.count { return }
            if sent < 0 && errno == EINTR { continue }
            throw socketError(sent < 0 ? errno : EMSGSIZE)
        }
    }

    public func receive(timeoutMilliseconds: Int) throws(DeviceError) -> [UInt8]? {
        let stopwatch = Stopwatch()
        while true {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(clamping: stopwatch.remaining(of: timeoutMilliseconds)))
            if ready < 0 {
                if errno == EINTR { continue }
                throw socketError(errno)
            }
            if ready == 0 { return nil }
            let count = datagram.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw socketError(errno)
            }
            // Anything but a whole report is not CTAPHID: skip it as a USB host skips a runt.
            if count == CTAPHIDLimits.reportSize {
                return Array(datagram[0..<count])
            }
        }
    }

    /// The warnings in the note of the emulator on this machine that serves this port, if one does
    /// (the store header's damage is left out: GetInfo itself tells it).
    public var stateWarnings: [String] {
        let directory = EmulatorAnnouncement.directory(environment: ProcessInfo.processInfo.environment)
        let local = host == "localhost" || BindAddress.isLoopback(host)
        guard let note = EmulatorAnnouncement.running(in: directory).first(where: {
            $0.port == port && ($0.address == deviceName || local)
        }) else { return [] }
        return note.warnings.filter { $0.kind != .storeHeaderUnreadable }.map(\.description)
    }

    private func socketError(_ code: Int32) -> DeviceError {
        if code == ECONNREFUSED {
            return .unreachable(device: deviceName, reason: "nothing listens there (connection refused)")
        }
        return .unreachable(device: deviceName, reason: String(cString: strerror(code)))
    }
}
