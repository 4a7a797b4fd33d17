#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CDatagramBatch

/// Why the emulator's socket could not be set up or used.
public struct SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The address (host:port) the socket was for.
    public let address: String
    /// What failed, in words.
    public let reason: String

    public var description: String { "\(address): \(reason)" }
}

/// A peer's socket address, as received from `recvfrom`.
public struct PeerAddress: CustomStringConvertible {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)

    init() {}

    /// The address of `host` (numeric IPv4 or IPv6) and `port`, to send to.
    public init(host: String, port: UInt16) throws(SocketError) {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let info = found else {
            throw SocketError(address: "\(host):\(port)", reason: "not a numeric IP address")
        }
        defer { freeaddrinfo(info) }
        length = info.pointee.ai_addrlen
        withUnsafeMutableBytes(of: &storage) {
            $0.copyMemory(from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(length)))
        }
    }

    /// "host:port" (IPv6 in brackets), for logs.
    public var description: String {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        var copy = storage
        let rc = withUnsafePointer(to: &copy) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo(
                    $0, length, &host, socklen_t(host.count), &service, socklen_t(service.count),
                    NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard rc == 0 else { return "?" }
        let name = Self.string(host)
        return (name.contains(":") ? "[\(name)]" : name) + ":" + Self.string(service)
    }
}

extension PeerAddress {
    fileprivate static func string(_ characters: [CChar]) -> String {
        String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A non-blocking UDP socket bound to one local address, IPv4 or IPv6.
public final class UDPSocket {
    /// The file descriptor, for `poll(2)`.
    let descriptor: Int32
    /// The port actually bound (the OS's choice when asked for 0).
    public let port: UInt16
    /// The address it is bound to, as given.
    public let host: String
    private var buffer = [UInt8](repeating: 0, count: 65536)
    /// How many datagrams one `receiveBatch` takes at most (one recvmmsg).
    static let batchLimit = 256
    /// Bytes kept of each datagram of a batch: a report's; longer ones are only counted.
    static let slotSize = 64
    private var slots = [UInt8](repeating: 0, count: batchLimit * slotSize)
    private var lengths = [UInt32](repeating: 0, count: batchLimit)
    private var senders = [sockaddr_storage](repeating: sockaddr_storage(), count: batchLimit)
    private var senderLengths = [UInt32](repeating: 0, count: batchLimit)
    private var outbox: [UInt8] = []

    /// Binds to `host` (a numeric IPv4 or IPv6 address) and `port` (0 lets the OS pick).
    public init(host: String, port: UInt16) throws(SocketError) {
        self.host = host
        let label = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &found)
        guard rc == 0, let info = found else {
            throw SocketError(address: label, reason: "not a numeric IP address (\(String(cString: gai_strerror(rc))))")
        }
        defer { freeaddrinfo(info) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(address: label, reason: "socket: " + SystemError.message(errno)) }
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let code = errno
            close(fd)
            throw SocketError(address: label, reason: "bind: " + SystemError.message(code))
        }
        guard fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 else {
            let code = errno
            close(fd)
            throw SocketError(address: label, reason: "fcntl: " + SystemError.message(code))
        }
        var bound = PeerAddress()
        let named = withUnsafeMutablePointer(to: &bound.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &bound.length) }
        }
        guard named == 0 else {
            let code = errno
            close(fd)
            throw SocketError(address: label, reason: "getsockname: " + SystemError.message(code))
        }
        descriptor = fd
        self.port = Self.port(of: bound)
    }

    deinit {
        close(descriptor)
    }

    /// Waits up to `milliseconds` (0: not at all) for a datagram to be readable. False on timeout
    /// or when a signal interrupted the wait.
    public func waitForDatagram(milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, milliseconds) > 0 && (entry.revents & Int16(POLLIN)) != 0
    }

    /// As `waitForDatagram`, but also true for a pending socket error, which only a receive clears:
    /// a loop that waited again without receiving would find the error at once, again and again.
    public func waitForTraffic(milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, milliseconds) > 0 && entry.revents != 0
    }

    /// The next queued datagram and its sender, or nil when none is waiting.
    public func receive() -> (bytes: [UInt8], sender: PeerAddress)? {
        var sender = PeerAddress()
        while true {
            let got = withUnsafeMutablePointer(to: &sender.storage) { address in
                address.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    buffer.withUnsafeMutableBytes {
                        recvfrom(descriptor, $0.baseAddress!, $0.count, 0, address, &sender.length)
                    }
                }
            }
            if got >= 0 { return (Array(buffer[0..<got]), sender) }
            // EAGAIN: drained. Anything else (ECONNREFUSED from an earlier send's ICMP, ...) concerns
            // one peer only; report "nothing" rather than stop the server.
            if errno == EINTR { continue }
            return nil
        }
    }

    /// The queued datagrams (up to `batchLimit`, one recvmmsg), in arrival order, each with its whole
    /// length (`bytes` holds at most `slotSize` of them) and sender; empty when none is waiting.
    /// Errors concern one peer only (as for `receive`) and read as "nothing".
    public func receiveBatch() -> [(bytes: [UInt8], length: Int, sender: PeerAddress)] {
        let got = slots.withUnsafeMutableBytes { slots in
            lengths.withUnsafeMutableBufferPointer { lengths in
                senders.withUnsafeMutableBytes { senders in
                    senderLengths.withUnsafeMutableBufferPointer { senderLengths in
                        coffer_receive_datagrams(
                            descriptor, slots.baseAddress!.assumingMemoryBound(to: UInt8.self), Self.slotSize,
                            UInt32(Self.batchLimit), senders.baseAddress, MemoryLayout<sockaddr_storage>.stride,
                            senderLengths.baseAddress, lengths.baseAddress)
                    }
                }
            }
        }
        guard got > 0 else { return [] }
        var batch: [(bytes: [UInt8], length: Int, sender: PeerAddress)] = []
        batch.reserveCapacity(Int(got))
        for index in 0..<Int(got) {
            let length = Int(lengths[index])
            let start = index * Self.slotSize
            var sender = PeerAddress()
            sender.storage = senders[index]
            sender.length = socklen_t(senderLengths[index])
            batch.append((Array(slots[start..<start + min(length, Self.slotSize)]), length, sender))
        }
        return batch
    }

    /// Sends `reports` to `peer` in order, one datagram each, with as few sendmmsg calls as the OS
    /// allows; a report the OS refuses is skipped and the rest still sent. Returns how many were refused.
    public func send(reports: ArraySlice<[UInt8]>, to peer: PeerAddress) -> Int {
        guard let size = reports.first?.count else { return 0 }
        precondition(reports.allSatisfy { $0.count == size }, "a batch is of reports of one size")
        outbox.removeAll(keepingCapacity: true)
        for report in reports { outbox.append(contentsOf: report) }
        var address = peer.storage
        var offset = 0
        var refused = 0
        while offset < reports.count {
            let sent = outbox.withUnsafeBytes { bytes in
                withUnsafeBytes(of: &address) { address in
                    coffer_send_datagrams(
                        descriptor, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset * size, size,
                        UInt32(reports.count - offset), address.baseAddress, UInt32(peer.length))
                }
            }
            offset += Int(sent)
            if offset < reports.count {
                refused += 1
                offset += 1
            }
        }
        return refused
    }

    /// Sends one datagram to `peer`; false (errno logged by the caller) if the OS refused it.
    public func send(_ bytes: [UInt8], to peer: PeerAddress) -> Bool {
        var address = peer.storage
        let sent = withUnsafePointer(to: &address) { address in
            address.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, 0, address, peer.length) }
            }
        }
        return sent == bytes.count
    }

    private static func port(of address: PeerAddress) -> UInt16 {
        var storage = address.storage
        return withUnsafePointer(to: &storage) { pointer in
            if Int32(pointer.pointee.ss_family) == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    UInt16(bigEndian: $0.pointee.sin6_port)
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                UInt16(bigEndian: $0.pointee.sin_port)
            }
        }
    }
}
