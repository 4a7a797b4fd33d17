import CofferEmulator
import Foundation

/// A UDP relay on 127.0.0.1 (port 0) that the client always talks to, and that the attacker can
/// point at another device between two runs of the client: the "relay pointed at device B" of
/// issue 9's finding 2. It changes nothing in the datagrams; only where they go. Call `stop()` when
/// done: the forwarding threads hold the relay until then.
final class PinSwitchingRelay: @unchecked Sendable {
    /// The port clients send to.
    let port: UInt16
    private let clientSide: UDPSocket
    private let deviceSide: UDPSocket
    private let lock = NSLock()
    private var device: PeerAddress
    private var devicePort: UInt16
    private var client: PeerAddress?
    private let stopped = Flag()
    private let threadsDone = Countdown(2)

    /// Relays to the device on `devicePort` until told otherwise.
    init(devicePort: UInt16) throws {
        clientSide = try UDPSocket(host: "127.0.0.1", port: 0)
        deviceSide = try UDPSocket(host: "127.0.0.1", port: 0)
        device = try PeerAddress(host: "127.0.0.1", port: devicePort)
        self.devicePort = devicePort
        port = clientSide.port
        startForwarding(from: clientSide, toDevice: true)
        startForwarding(from: deviceSide, toDevice: false)
    }

    /// Sends everything from now on to the device on `devicePort`; a late reply of the device
    /// pointed at before is dropped, so a run never hears two devices.
    func point(at devicePort: UInt16) throws {
        let address = try PeerAddress(host: "127.0.0.1", port: devicePort)
        lock.withLock {
            device = address
            self.devicePort = devicePort
        }
    }

    /// Stops both forwarding threads (each notices within one wait of `tickMilliseconds`).
    func stop() {
        stopped.raise()
        _ = threadsDone.wait(seconds: 5)
    }

    static let tickMilliseconds: Int32 = 20

    private func startForwarding(from socket: UDPSocket, toDevice: Bool) {
        // Each socket is read by one thread only; the other thread only sends on it.
        let handoff = Handoff(value: socket)
        let thread = Thread { [self] in
            let socket = handoff.value
            while !stopped.isRaised {
                guard socket.waitForDatagram(milliseconds: Self.tickMilliseconds) else { continue }
                while let (bytes, sender) = socket.receive() {
                    forward(bytes, from: sender, toDevice: toDevice)
                }
            }
            threadsDone.tick()
        }
        thread.start()
    }

    private func forward(_ bytes: [UInt8], from sender: PeerAddress, toDevice: Bool) {
        let destination: PeerAddress? = lock.withLock {
            if toDevice {
                client = sender
                return device
            }
            // Only the device pointed at now may answer the client.
            return sender.description == "127.0.0.1:\(devicePort)" ? client : nil
        }
        guard let destination else { return }
        _ = (toDevice ? deviceSide : clientSide).send(bytes, to: destination)
    }
}
