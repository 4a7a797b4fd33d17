import CTAPHID
import CofferEmulator
import Foundation

/// Which way a datagram crossed the relay.
enum RelayDirection: Sendable, Equatable {
    case toDevice
    case toClient
}

/// One datagram as the relay forwarded it.
struct RelayedDatagram: Sendable, Equatable {
    let direction: RelayDirection
    let bytes: [UInt8]
}

/// A UDP relay on 127.0.0.1 (port 0) between one client and the device: it forwards every datagram
/// both ways, records each one as forwarded, and may change them on the way (`MessageTamper`). It
/// plays the untrusted host, transport and relay of the trust model; it knows no secret. Call
/// `stop()` when done: the forwarding threads hold the relay until then.
final class BlindRelay: @unchecked Sendable {
    /// The port clients send to.
    let port: UInt16
    private let clientSide: UDPSocket
    private let deviceSide: UDPSocket
    private var device: PeerAddress
    private var devicePort: UInt16
    private let lock = NSLock()
    private var client: PeerAddress?
    private var recorded: [RelayedDatagram] = []
    private var tamper: MessageTamper?
    private let stopped = Flag()
    private let threadsDone = Countdown(2)

    /// Relays to the device on `devicePort`.
    init(devicePort: UInt16) throws {
        clientSide = try UDPSocket(host: "127.0.0.1", port: 0)
        deviceSide = try UDPSocket(host: "127.0.0.1", port: 0)
        device = try PeerAddress(host: "127.0.0.1", port: devicePort)
        self.devicePort = devicePort
        port = clientSide.port
        startForwarding(from: clientSide, direction: .toDevice)
        startForwarding(from: deviceSide, direction: .toClient)
    }

    /// Sends everything from now on to the device on `devicePort` (the "relay pointed at another
    /// device" of issue 9, finding 2); a late reply of the device pointed at before is dropped, so a
    /// client never hears two devices.
    func point(at devicePort: UInt16) throws {
        let address = try PeerAddress(host: "127.0.0.1", port: devicePort)
        lock.withLock {
            device = address
            self.devicePort = devicePort
        }
    }

    /// Every datagram forwarded so far, in the order the relay forwarded them.
    var recording: [RelayedDatagram] { lock.withLock { recorded } }

    /// Changes the next message that `tamper` matches (replacing any tamper not yet used).
    func arm(_ tamper: MessageTamper) {
        lock.withLock { self.tamper = tamper }
    }

    /// Whether the armed tamper has changed its message.
    var tamperFired: Bool { lock.withLock { tamper?.fired ?? false } }

    /// Stops both forwarding threads (each notices within one wait of `tickMilliseconds`).
    func stop() {
        stopped.raise()
        _ = threadsDone.wait(seconds: 5)
    }

    static let tickMilliseconds: Int32 = 20

    private func startForwarding(from socket: UDPSocket, direction: RelayDirection) {
        // Each socket is read by one thread only; the other thread only sends on it.
        let handoff = Handoff(value: socket)
        let thread = Thread { [self] in
            let socket = handoff.value
            while !stopped.isRaised {
                guard socket.waitForDatagram(milliseconds: Self.tickMilliseconds) else { continue }
                while let (bytes, sender) = socket.receive() {
                    forward(bytes, from: sender, direction: direction)
                }
            }
            threadsDone.tick()
        }
        thread.start()
    }

    private func forward(_ bytes: [UInt8], from sender: PeerAddress, direction: RelayDirection) {
        let (out, destination): ([UInt8], PeerAddress?) = lock.withLock {
            if direction == .toDevice { client = sender }
            // Only the device pointed at now may answer the client.
            if direction == .toClient, sender.description != "127.0.0.1:\(devicePort)" { return (bytes, nil) }
            var out = bytes
            tamper?.process(&out, direction: direction)
            recorded.append(RelayedDatagram(direction: direction, bytes: out))
            return (out, direction == .toDevice ? device : client)
        }
        guard let destination else { return }
        _ = (direction == .toDevice ? deviceSide : clientSide).send(out, to: destination)
    }
}

/// Flips one byte of the payload of the next message that goes `direction` with `command`, at
/// `payloadOffset` (counted in the reassembled message, whatever report it falls in).
struct MessageTamper: Sendable {
    let direction: RelayDirection
    let command: CTAPHIDCommand
    let payloadOffset: Int
    var mask: UInt8 = 0x01
    private(set) var fired = false
    /// The channel and the payload offset reached so far by the message being changed.
    private var inMessage: (channel: CTAPHIDChannelID, offset: Int)?

    init(direction: RelayDirection, command: CTAPHIDCommand, payloadOffset: Int, mask: UInt8 = 0x01) {
        self.direction = direction
        self.command = command
        self.payloadOffset = payloadOffset
        self.mask = mask
    }

    mutating func process(_ report: inout [UInt8], direction: RelayDirection) {
        guard !fired, direction == self.direction, let packet = CTAPHIDPacket(report: report) else { return }
        let headerLength: Int
        let start: Int
        switch packet {
        case .initialization(let first):
            guard first.command == command else { return }
            inMessage = (first.channel, 0)
            headerLength = CTAPHIDLimits.reportSize - CTAPHIDLimits.initPayloadSize
            start = 0
        case .continuation(let next):
            guard let current = inMessage, current.channel == next.channel else { return }
            headerLength = CTAPHIDLimits.reportSize - CTAPHIDLimits.continuationPayloadSize
            start = current.offset
        }
        let carried = CTAPHIDLimits.reportSize - headerLength
        if (start..<start + carried).contains(payloadOffset) {
            report[headerLength + payloadOffset - start] ^= mask
            fired = true
            inMessage = nil
        } else {
            inMessage?.offset = start + carried
        }
    }
}
