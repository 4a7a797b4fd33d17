#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
