import CTAPHID
import Foundation

/// A CTAPHID device on a real UDP socket (127.0.0.1, a port the OS picks), run by the CTAPHID
/// module's device state machine on a thread of its own, with a script for the tests:
///
/// - vendor command 0x40 echoes its payload reversed, after a keep-alive and a stray report on
///   another channel (which the host must skip);
/// - vendor command 0x41 is answered ERR_CHANNEL_BUSY `busyAnswers` times, then echoed;
/// - vendor command 0x42 is never answered.
final class UDPTestPeer: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private let state = TestLock()
    private var stopped = false
    private var busyLeft: Int
    private var busySent = 0
    private let finished = DispatchSemaphore(value: 0)

    init(busyAnswers: Int = 0) {
        busyLeft = busyAnswers
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                precondition(bind(fd, $0, length) == 0, "bind")
                precondition(getsockname(fd, $0, &length) == 0, "getsockname")
            }
        }
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in serve() }
    }

    /// How many ERR_CHANNEL_BUSY answers were sent.
    var busyAnswersSent: Int { state.locked { busySent } }

    /// Stops the thread and closes the socket.
    func stop() {
        state.locked { stopped = true }
        finished.wait()
        close(fd)
    }

    private func serve() {
        var device = CTAPHIDDevice(version: CTAPHIDDeviceVersion(major: 1, minor: 2, build: 3),
                                   channelIDs: CTAPHIDSequentialChannelIDs(first: 0x0100_0000))
        var buffer = [UInt8](repeating: 0, count: 2048)
        var peer = sockaddr_storage()
        var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let start = ContinuousClock.now
        while !state.locked({ stopped }) {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 20) > 0 else { continue }
            let count = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
                    return recvfrom(fd, &buffer, buffer.count, 0, address, &peerLength)
                }
            }
            guard count == 64 else { continue }
            let report = Array(buffer[0..<64])
            let send: ([UInt8]) -> Void = { reply in
                _ = withUnsafePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(self.fd, reply, reply.count, 0, $0, peerLength)
                    }
                }
            }
            if report[4] == 0x41 | 0x80, takeBusy() {
                send(report[0..<4] + [0xBF, 0, 1, 0x06] + [UInt8](repeating: 0, count: 56))
                continue
            }
            let now = UInt64(start.duration(to: .now).components.seconds * 1000)
            for action in device.receive(report: report, now: now) {
                switch action {
                case .send(let reply):
                    send(reply)
                case .deliver(let message):
                    if message.command.rawValue == 0x42 { continue }
                    if message.command.rawValue == 0x40 {
                        send(device.keepalive(channel: message.channel, status: .processing)!)
                        send([0x7E, 0x7E, 0x7E, 0x7E, 0x81, 0, 1, 9] + [UInt8](repeating: 0, count: 56))
                    }
                    for reply in try! device.respond(channel: message.channel, command: message.command,
                                                     payload: message.payload.reversed()) {
                        send(reply)
                    }
                case .wink, .cancel:
                    break
                }
            }
        }
        finished.signal()
    }

    private func takeBusy() -> Bool {
        state.locked {
            guard busyLeft > 0 else { return false }
            busyLeft -= 1
            busySent += 1
            return true
        }
    }
}
