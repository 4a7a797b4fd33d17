import CTAPHID
import CofferProtocol

/// The vault messages in a relay's recording, reassembled from its 64-byte reports: what a relay
/// that records everything holds, ready to be sent again.
struct RecordedMessages {
    struct Message {
        let direction: RelayDirection
        let command: CTAPHIDCommand
        let payload: [UInt8]
    }

    private(set) var messages: [Message] = []

    init(_ recording: [RelayedDatagram]) {
        var partial: [String: (command: CTAPHIDCommand, length: Int, payload: [UInt8])] = [:]
        for datagram in recording {
            guard let packet = CTAPHIDPacket(report: datagram.bytes) else { continue }
            let key = "\(datagram.direction)-\(packet.channel)"
            switch packet {
            case .initialization(let first):
                partial[key] = (first.command, first.messageLength, Array(first.data.prefix(first.messageLength)))
            case .continuation(let next):
                guard var message = partial[key] else { continue }
                message.payload += next.data.prefix(message.length - message.payload.count)
                partial[key] = message
            }
            if let message = partial[key], message.payload.count == message.length {
                messages.append(Message(direction: datagram.direction, command: message.command, payload: message.payload))
                partial[key] = nil
            }
        }
    }

    /// The requests of `operation` the client sent, oldest first, as the device would decode them.
    func requests(_ operation: VaultOperation) -> [VaultRequest] {
        messages.filter { $0.direction == .toDevice && $0.command.rawValue == operation.rawValue }
            .compactMap { try? VaultRequest(command: $0.command.rawValue, payload: $0.payload) }
    }
}
