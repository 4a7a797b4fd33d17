import CTAPHID
import CofferEmulator
import Testing

/// A CTAPHID host over real UDP, built on the CTAPHID module's host-side state machines.
struct CTAPHIDTestHost {
    let socket: UDPSocket
    let device: PeerAddress
    /// How long to wait for each report before giving up.
    var replyTimeoutMilliseconds: Int32 = 10_000

    init(port: UInt16) throws {
        socket = try UDPSocket(host: "127.0.0.1", port: 0)
        device = try PeerAddress(host: "127.0.0.1", port: port)
    }

    func send(_ datagram: [UInt8]) {
        #expect(socket.send(datagram, to: device))
    }

    /// The next report from the device, or nil after `replyTimeoutMilliseconds` without one.
    func nextReport() -> [UInt8]? {
        if let (bytes, _) = socket.receive() { return bytes }
        guard socket.waitForDatagram(milliseconds: replyTimeoutMilliseconds) else { return nil }
        return socket.receive()?.bytes
    }

    /// CTAPHID_INIT on the broadcast channel: the device's answer, with the new channel.
    func openChannel(nonce: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]) throws -> CTAPHIDInitResponse {
        var opening = CTAPHIDChannelOpening(nonce: nonce)
        send(opening.requestReport)
        while let report = nextReport() {
            if let response = try opening.receive(report: report) { return response }
        }
        throw NoReply(what: "INIT")
    }

    /// One request and its response payload on `channel`.
    func exchange(_ channel: CTAPHIDChannelID, _ command: CTAPHIDCommand, _ payload: [UInt8]) throws -> [UInt8] {
        var exchange = try CTAPHIDHostTransaction(channel: channel, command: command, payload: payload)
        for report in exchange.requestReports { send(report) }
        while let report = nextReport() {
            if case .response(let answer) = try exchange.receive(report: report) { return answer }
        }
        throw NoReply(what: "command \(command.rawValue)")
    }
}

/// The device did not answer within the host's timeout.
struct NoReply: Error, CustomStringConvertible {
    let what: String
    var description: String { "no reply to \(what)" }
}
