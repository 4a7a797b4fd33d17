#if canImport(Glibc)
    import Glibc
#endif
import Foundation

/// A raw TCP client that sends what it is told and no more: a slow or stalled HTTP client.
final class StalledClient: @unchecked Sendable {
    private let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw HarnessError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw HarnessError("connect failed: errno \(errno)") }
    }

    func send(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw HarnessError("send failed") }
    }

    /// `readStatus` on a thread of its own: a blocking read on Swift's cooperative pool (two threads
    /// on two cores) can starve the very server whose answer it waits for.
    func readStatusOffPool(timeoutSeconds: Int) async -> Int? {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: try? self.readStatus(timeoutSeconds: timeoutSeconds)) }.start()
        }
    }

    /// Reads until the status line is in (or the peer closes, or `timeoutSeconds` pass) and returns the status.
    func readStatus(timeoutSeconds: Int) throws -> Int? {
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !received.contains(0x0A) {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        // "HTTP/1.1 408 Request Timeout\r\n"
        let line = String(decoding: received.prefix { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
        let parts = line.split(separator: " ")
        return parts.count >= 2 ? Int(parts[1]) : nil
    }

    func close() { _ = Glibc.close(socket) }
}

/// A loopback TCP port bound and never listened on: every connection to it is refused, and while it is
/// held no other socket can take it.
final class RefusingPort {
    private let socket: Int32
    let url: String

    init() throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            _ = Glibc.close(fd)
            throw HarnessError("bind failed: errno \(errno)")
        }
        socket = fd
        url = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
    }

    func close() { _ = Glibc.close(socket) }
}
