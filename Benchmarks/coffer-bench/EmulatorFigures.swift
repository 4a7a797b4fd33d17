import CTAPHID
import CofferCrypto
import CofferEmulator
import CofferHost
import CofferProtocol
import Foundation
import OPAQUE

/// 7609-byte PINGs per second through the built emulator over loopback, beside the same exchange
/// of raw datagrams with an echo socket: 129 datagrams of 64 bytes out, 129 back, per round trip.
/// Both sides use the same client link, so the ratio is what CTAPHID and the emulator's loop cost.
struct PingRoundTrips {
    let emulator: BenchEmulator
    let roundTrips: Int

    /// Each side's round trips run in this many slices, the sides taking turns, so a busy spell of the
    /// shared machine slows all of them rather than whichever ran during it.
    let slices = 8

    func run() throws -> [Measurement] {
        let payload = (0..<CTAPHIDLimits.maxMessageSize).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let transport = try CTAPHIDTransport(link: UDPLink(host: "127.0.0.1", port: emulator.port))
        for _ in 0..<10 { _ = try transport.request(.ping, payload: payload) }

        let reports = 1 + (CTAPHIDLimits.maxMessageSize - CTAPHIDLimits.initPayloadSize
            + CTAPHIDLimits.continuationPayloadSize - 1) / CTAPHIDLimits.continuationPayloadSize
        let echo = try EchoPeer()
        defer { echo.stop() }
        let link = try UDPLink(host: "127.0.0.1", port: echo.port)
        let datagram = [UInt8](repeating: 0x5A, count: CTAPHIDLimits.reportSize)
        // The same exchange with a peer that, like the device, is a process of its own and answers only
        // once the whole message is in: it receives all `reports` datagrams, then sends `reports` back,
        // through the emulator's own socket code (recvmmsg/sendmmsg batches), so the ratio is what
        // CTAPHID, the firmware's PING and the emulator's loop add to the I/O and the process switches
        // a message-sized answer cannot avoid.
        let collecting = try CollectingEcho(reports: reports)
        defer { collecting.stop() }
        let collectingLink = try UDPLink(host: "127.0.0.1", port: collecting.port)

        var elapsed = (ours: UInt64(0), raw: UInt64(0), whole: UInt64(0))
        let perSlice = max(roundTrips / slices, 1)
        for _ in 0..<slices {
            var start = monotonicNanoseconds()
            for _ in 0..<perSlice {
                guard try transport.request(.ping, payload: payload) == payload else { throw BenchFailure("PING altered") }
            }
            elapsed.ours += monotonicNanoseconds() - start

            start = monotonicNanoseconds()
            for _ in 0..<perSlice {
                for _ in 0..<reports { try link.send(datagram) }
                for _ in 0..<reports {
                    guard try link.receive(timeoutMilliseconds: 5_000) != nil else { throw BenchFailure("echo lost") }
                }
            }
            elapsed.raw += monotonicNanoseconds() - start

            start = monotonicNanoseconds()
            for _ in 0..<perSlice {
                try collectingLink.send(reports: [[UInt8]](repeating: datagram, count: reports))
                for _ in 0..<reports {
                    guard try collectingLink.receive(timeoutMilliseconds: 5_000) != nil else {
                        throw BenchFailure("collecting echo lost a datagram")
                    }
                }
            }
            elapsed.whole += monotonicNanoseconds() - start
        }
        let done = Double(perSlice * slices)
        let ours = done / (Double(elapsed.ours) / 1e9)
        let raw = done / (Double(elapsed.raw) / 1e9)
        let whole = done / (Double(elapsed.whole) / 1e9)
        return [
            Measurement(
                name: "7609-byte PING round trips", value: ours, unit: "round trips/s", target: 0.9,
                reference: .measured(
                    name: "UDP echo process answering after all \(reports) datagrams are in (emulator's socket code)",
                    value: whole)),
            Measurement(
                name: "7609-byte PING round trips vs a per-datagram echo", value: ours, unit: "round trips/s",
                target: 0,
                reference: .measured(
                    name: "raw UDP echo of \(reports)+\(reports) datagrams, each answered at once (overlaps)",
                    value: raw)),
        ]
    }
}

/// A UDP peer on loopback that collects `reports` datagrams and then sends as many back to their
/// sender, with the emulator's `UDPSocket` (one recvmmsg per wake-up, sendmmsg for the answer), in a
/// process of its own (`coffer-bench --collecting-echo N`), as the emulator is. A one-byte datagram
/// ends it.
final class CollectingEcho {
    private let process = Process()
    let port: UInt16

    init(reports: Int) throws {
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        process.arguments = ["--collecting-echo", String(reports)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = UInt16(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BenchFailure("the collecting echo said \(line)")
        }
        self.port = port
    }

    /// The peer's loop: `announce` gets the port once bound.
    static func serve(reports: Int, announce: (UInt16) -> Void) throws {
        let socket = try UDPSocket(host: "127.0.0.1", port: 0)
        announce(socket.port)
        var held: [[UInt8]] = []
        while true {
            guard socket.waitForTraffic(milliseconds: 1_000) else { continue }
            for (bytes, length, sender) in socket.receiveBatch() {
                if length == 1 { return }
                held.append(bytes)
                if held.count == reports {
                    _ = socket.send(reports: held[...], to: sender)
                    held.removeAll(keepingCapacity: true)
                }
            }
        }
    }

    func stop() {
        if let me = try? UDPSocket(host: "127.0.0.1", port: 0), let peer = try? PeerAddress(host: "127.0.0.1", port: port) {
            _ = me.send([0xFF], to: peer)
        }
        process.waitUntilExit()
    }
}

/// Guesses per second the emulator makes durable (LoginStart: attempt counter written and fsynced,
/// then KE2), beside `1 / (t_fsync + t_login)` of the same run: t_fsync the wall time of a 64-byte
/// write + fsync on the same file system, t_login the CPU time of one server login (KE2 and the KE3
/// check) of the device's suite, as `serverLoginsPerSecond` measures it.
struct DurableGuesses {
    let emulator: BenchEmulator
    let guesses: Int

    func run() throws -> [Measurement] {
        let transport = try CTAPHIDTransport(link: UDPLink(host: "127.0.0.1", port: emulator.port))
        let vault = VaultClient(transport: transport, pins: nil)
        let random = SeededRandom(seed: Array("coffer-bench/guesses".utf8))
        let id = Array("mallory".utf8)
        _ = try vault.register(id: id, password: SecretBytes(Array("right".utf8)), backupKey: SecretBytes(random.bytes(32)),
                           attemptLimit: 255)
        let suite = P256SHA256Suite(keyStretching: .identity)
        let client = OPAQUEClient(suite: suite, context: VaultOPAQUE.context)
        var requests: [[UInt8]] = []
        for _ in 0..<guesses {
            let (ke1, _) = try client.generateKE1(
                password: SecretBytes(Array("wrong".utf8)), blind: blindScalar(suite: suite, random: random),
                clientNonce: random.bytes(32), clientKeyshareSeed: SecretBytes(random.bytes(32)))
            requests.append(VaultRequest.loginStart(LoginStartRequest(credentialID: id, ke1: ke1.serialize()))
                .encodedPayload())
        }
        let command = CTAPHIDCommand(rawValue: VaultOperation.loginStart.rawValue)
        var start = monotonicNanoseconds()
        for request in requests {
            let reply = try VaultReply(decoding: transport.request(command, payload: request))
            guard reply.status == .ok else { throw BenchFailure("LoginStart answered \(reply.status)") }
        }
        let ours = Double(guesses) / (Double(monotonicNanoseconds() - start) / 1e9)

        let probe = emulator.stateDirectory.appendingPathComponent("fsync-probe").path
        let fd = open(probe, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BenchFailure("cannot create \(probe)") }
        defer { close(fd); unlink(probe) }
        let page = [UInt8](repeating: 0xA5, count: 64)
        let syncs = 2_000
        start = monotonicNanoseconds()
        for _ in 0..<syncs {
            guard page.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) == page.count, fsync(fd) == 0
            else { throw BenchFailure("fsync probe failed") }
        }
        let fsyncNanoseconds = Double(monotonicNanoseconds() - start) / Double(syncs)
        // A guess must make its increment durable and then compute its KE2: the limit is one fsync
        // followed by one server login of the device's suite (P256-SHA256), both measured here.
        let logins = 200
        let loginNanoseconds = Double(try ServerLogins(suite: suite).run(logins)) / Double(logins)
        return [
            Measurement(name: "durable guesses (LoginStart)", value: ours, unit: "guesses/s", target: 0.9,
                        reference: .measured(name: "1/(fsync of 64 B + one server login)",
                                             value: 1e9 / (fsyncNanoseconds + loginNanoseconds))),
        ]
    }
}

/// A UDP socket on loopback that sends every datagram back, on a thread of its own.
final class EchoPeer: @unchecked Sendable {
    private let fd: Int32
    let port: UInt16
    private let thread: Thread

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, bound else { throw BenchFailure("echo socket") }
        port = UInt16(bigEndian: address.sin_port)
        let socketFD = fd
        thread = Thread {
            let fd = socketFD
            var buffer = [UInt8](repeating: 0, count: 2048)
            var peer = sockaddr_storage()
            while true {
                var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let got = withUnsafeMutablePointer(to: &peer) { p in
                    p.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &peerLength) }
                }
                if got <= 0 { return }
                if got == 1 && buffer[0] == 0xFF { return }
                _ = withUnsafePointer(to: &peer) { p in
                    p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, buffer, got, 0, $0, peerLength) }
                }
            }
        }
        thread.start()
    }

    /// Ends the echo thread (a one-byte 0xFF datagram to itself) and closes the socket.
    func stop() {
        let me = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        var stop: [UInt8] = [0xFF]
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(me, &stop, 1, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        close(me)
    }
}
