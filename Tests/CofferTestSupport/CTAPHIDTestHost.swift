import CTAPHID
import CofferEmulator

/// A CTAPHID host over real UDP, built on the CTAPHID module's host-side state machines.
public struct CTAPHIDTestHost {
    /// The host's socket (an ephemeral port on 127.0.0.1).
    public let socket: UDPSocket
    /// The emulator's address.
    public let device: PeerAddress
    /// How long to wait for each report before giving up.
    public var replyTimeoutMilliseconds: Int32 = 10_000

    /// A host for the emulator listening on 127.0.0.1:`port`.
    public init(port: UInt16) throws {
        socket = try UDPSocket(host: "127.0.0.1", port: 0)
        device = try PeerAddress(host: "127.0.0.1", port: port)
    }

    /// Sends one datagram; false if the socket refused it.
    @discardableResult
    public func send(_ datagram: [UInt8]) -> Bool {
        socket.send(datagram, to: device)
    }

    /// Tells whether the device can still answer; when set, a wait for a report ends as soon as it
    /// says no (a crashed emulator), instead of running out the whole timeout.
    public var isDeviceAlive: (() -> Bool)?

    /// The next report from the device, or nil after `replyTimeoutMilliseconds` without one (or once
    /// `isDeviceAlive` says the device is gone and nothing is queued).
    public func nextReport() -> [UInt8]? {
        if let (bytes, _) = socket.receive() { return bytes }
        guard let isDeviceAlive else {
            guard socket.waitForDatagram(milliseconds: replyTimeoutMilliseconds) else { return nil }
            return socket.receive()?.bytes
        }
        let slice: Int32 = 20
        var waited: Int32 = 0
        while waited < replyTimeoutMilliseconds {
            if socket.waitForDatagram(milliseconds: slice) { return socket.receive()?.bytes }
            waited += slice
            if !isDeviceAlive() { return socket.receive()?.bytes }
        }
        return nil
    }

    /// CTAPHID_INIT on the broadcast channel: the device's answer, with the new channel.
    public func openChannel(nonce: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]) throws -> CTAPHIDInitResponse {
        var opening = CTAPHIDChannelOpening(nonce: nonce)
        send(opening.requestReport)
        while let report = nextReport() {
            if let response = try opening.receive(report: report) { return response }
        }
        throw NoReply(what: "INIT")
    }

    /// One request and its response payload on `channel`.
    public func exchange(_ channel: CTAPHIDChannelID, _ command: CTAPHIDCommand, _ payload: [UInt8]) throws -> [UInt8] {
        var exchange = try CTAPHIDHostTransaction(channel: channel, command: command, payload: payload)
        for report in exchange.requestReports { send(report) }
        while let report = nextReport() {
            if case .response(let answer) = try exchange.receive(report: report) { return answer }
        }
        throw NoReply(what: "command \(command.rawValue)")
    }
}

/// The device did not answer within the host's timeout.
public struct NoReply: Error, CustomStringConvertible {
    /// What went unanswered.
    public let what: String
    public var description: String { "no reply to \(what)" }
}
