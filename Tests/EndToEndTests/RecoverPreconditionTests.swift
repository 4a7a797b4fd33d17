import Foundation
import Testing

/// A guess is never spent by a command that cannot succeed, and a lost reply says what it may have
/// cost (issue 10, defect 6).
@Suite(.serialized) struct RecoverPreconditionTests {
    let scratch = Scratch()

    @Test("recover --out EXISTING is refused before the device is touched: no guess is spent")
    func existingOutSpendsNoGuess() throws {
        let device = ["--device", "embedded:" + scratch.file("state")]
        #expect(try scratch.cofferctl(device + ["register", "--id", "a", "--attempt-limit", "2", "--password-stdin"],
                                      input: "pw\n").status == 0)
        scratch.write(Array("keep".utf8), to: "existing")
        for _ in 0..<3 {
            let refused = try scratch.cofferctl(device + ["recover", "--id", "a", "--out", scratch.file("existing"),
                                                          "--password-stdin"], input: "wrong\n")
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("exists"), "\(refused.stderr)")
        }
        #expect(scratch.read("existing") == Array("keep".utf8))
        let recovered = try scratch.cofferctl(device + ["recover", "--id", "a", "--out", scratch.file("new"),
                                                        "--password-stdin"], input: "pw\n")
        #expect(recovered.status == 0, "three refusals cost no guess of two: \(recovered.stderr)")
        #expect(scratch.read("new")?.count == 65)
    }

    @Test("a reply lost after LoginStart is reported as a guess that may have counted, and it did")
    func lostReplyMayHaveCounted() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        let direct = ["--device", emulator.device]
        #expect(try scratch.cofferctl(direct + ["register", "--id", "a", "--attempt-limit", "5", "--password-stdin"],
                                      input: "pw\n").status == 0)
        let relay = try DroppingRelay(to: UInt16(emulator.port), dropRepliesAfterCommand: 0x80 | 0x44)
        let lost = try scratch.cofferctl(["--device", "udp://127.0.0.1:\(relay.port)", "recover", "--id", "a",
                                          "--password-stdin"], input: "wrong\n")
        #expect(lost.status == 69, "\(lost.stderr)")
        #expect(lost.stderr.contains("may have counted"), "\(lost.stderr)")
        let next = try scratch.cofferctl(direct + ["recover", "--id", "a", "--password-stdin"], input: "wrong\n")
        #expect(next.status == 10)
        #expect(next.stderr.contains("3 attempts remaining"), "the lost one counted: \(next.stderr)")
    }
}

/// A UDP relay on 127.0.0.1 that forwards CTAPHID reports both ways until it sees a request of
/// `command` (an init report's command byte), forwards that one, and drops every reply from then on.
final class DroppingRelay: @unchecked Sendable {
    let port: UInt16
    private let socket: Int32
    private let stop = NSLock()
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    init(to devicePort: UInt16, dropRepliesAfterCommand command: UInt8) throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.socket = socket
        var address = DroppingRelay.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else { throw ParseFailure(text: "relay bind failed") }
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in
            var client = sockaddr_in()
            var device = DroppingRelay.loopback(port: devicePort)
            var dropping = false
            var buffer = [UInt8](repeating: 0, count: 2048)
            while !stop.withLock({ stopped }) {
                var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0)]
                guard poll(&fds, 1, 100) > 0 else { continue }
                var from = sockaddr_in()
                var fromLength = socklen_t(MemoryLayout<sockaddr_in>.size)
                let count = withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(socket, &buffer, 2048, 0, $0, &fromLength)
                    }
                }
                guard count > 0 else { continue }
                if from.sin_port == device.sin_port {
                    if dropping { continue }
                    _ = withUnsafeMutablePointer(to: &client) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(socket, buffer, count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                        }
                    }
                } else {
                    client = from
                    if count > 4 && buffer[4] == command { dropping = true }
                    _ = withUnsafeMutablePointer(to: &device) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(socket, buffer, count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                        }
                    }
                }
            }
            done.signal()
        }
    }

    deinit {
        stop.withLock { stopped = true }
        done.wait()
        close(socket)
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }
}
