#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CDatagramBatch
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
    /// How many datagrams one recvmmsg takes at most.
    private static let batchLimit = 256
    /// Datagrams received but not yet handed out, `CTAPHIDLimits.reportSize` bytes a slot, with their
    /// whole lengths: `inboxLengths[inboxNext..<inboxCount]` are still to go.
    private var inbox = [UInt8](repeating: 0, count: batchLimit * CTAPHIDLimits.reportSize)
    private var inboxLengths = [UInt32](repeating: 0, count: batchLimit)
    private var inboxCount = 0
    private var inboxNext = 0
    private var outbox: [UInt8] = []

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

    /// Sends `reports` in order with as few sendmmsg calls as the OS allows.
    public func send(reports: [[UInt8]]) throws(DeviceError) {
        let size = CTAPHIDLimits.reportSize
        outbox.removeAll(keepingCapacity: true)
        for report in reports {
            precondition(report.count == size, "a report is 64 bytes")
            outbox.append(contentsOf: report)
        }
        var offset = 0
        while offset < reports.count {
            let sent = outbox.withUnsafeBytes { bytes in
                coffer_send_datagrams(
                    descriptor, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset * size, size,
                    UInt32(reports.count - offset), nil, 0)
            }
            offset += Int(sent)
            if offset < reports.count { throw socketError(errno) }
        }
    }

    public func receive(timeoutMilliseconds: Int) throws(DeviceError) -> [UInt8]? {
        let stopwatch = Stopwatch()
        while true {
            // Anything but a whole report is not CTAPHID: skip it as a USB host skips a runt.
            while inboxNext < inboxCount {
                let index = inboxNext
                inboxNext += 1
                if inboxLengths[index] == CTAPHIDLimits.reportSize {
                    let start = index * CTAPHIDLimits.reportSize
                    return Array(inbox[start..<start + CTAPHIDLimits.reportSize])
                }
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(clamping: stopwatch.remaining(of: timeoutMilliseconds)))
            if ready < 0 {
                if errno == EINTR { continue }
                throw socketError(errno)
            }
            if ready == 0 { return nil }
            let got = inbox.withUnsafeMutableBytes { inbox in
                inboxLengths.withUnsafeMutableBufferPointer { lengths in
                    coffer_receive_datagrams(
                        descriptor, inbox.baseAddress!.assumingMemoryBound(to: UInt8.self), CTAPHIDLimits.reportSize,
                        UInt32(Self.batchLimit), nil, 0, nil, lengths.baseAddress)
                }
            }
            if got < 0 { throw socketError(-got) }
            inboxCount = Int(got)
            inboxNext = 0
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
