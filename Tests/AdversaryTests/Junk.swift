import CTAPHID

/// The kinds of datagram a storm throws at the device, none of which an honest host sends.
enum JunkKind: String, CaseIterable, Sendable {
    /// 64 random bytes: nearly always an init packet on a channel nobody opened.
    case randomReport
    /// Random bytes of any length but 64 (0 to 200): not a report at all.
    case wrongSize
    /// A continuation packet (SEQ < 0x80) on a random channel: noise the device must ignore.
    case strayContinuation
    /// An init packet on the broadcast channel with a random command and length.
    case broadcastNoise
    /// A well-formed CTAPHID_INIT: the device hands out a channel, and forgets its least recently
    /// used idle one to make room.
    case channelGrab
    /// A vault command with a random payload on a channel the storm opened: malformed requests.
    case vaultGarbage
    /// The first packet of a long message on the storm's channel and nothing after it: the device is
    /// busy until the message times out (`CTAPHIDLimits.messageTimeoutMilliseconds`).
    case stalledMessage
}

/// Makes junk datagrams from a seeded generator.
struct JunkMaker {
    var generator: SeededGenerator

    /// A kind drawn with fixed weights; `stalledMessage` only when `allowStall`.
    mutating func kind(allowStall: Bool) -> JunkKind {
        let roll = Int.random(in: 0..<100, using: &generator)
        switch roll {
        case 0..<30: return .randomReport
        case 30..<50: return .wrongSize
        case 50..<65: return .strayContinuation
        case 65..<75: return .broadcastNoise
        case 75..<78: return .channelGrab
        case 78..<99: return .vaultGarbage
        default: return allowStall ? .stalledMessage : .vaultGarbage
        }
    }

    /// One datagram of `kind`; `channel` is the storm's own channel (for vault garbage and stalls).
    mutating func datagram(_ kind: JunkKind, channel: CTAPHIDChannelID) -> [UInt8] {
        switch kind {
        case .randomReport:
            return generator.bytes(CTAPHIDLimits.reportSize)
        case .wrongSize:
            var length = Int.random(in: 0...200, using: &generator)
            if length == CTAPHIDLimits.reportSize { length += 1 }
            return generator.bytes(length)
        case .strayContinuation:
            var report = generator.bytes(CTAPHIDLimits.reportSize)
            report[4] &= 0x7F
            return report
        case .broadcastNoise:
            var report = [0xFF, 0xFF, 0xFF, 0xFF] + generator.bytes(CTAPHIDLimits.reportSize - 4)
            report[4] |= 0x80
            return report
        case .channelGrab:
            return CTAPHIDChannelOpening(nonce: generator.bytes(CTAPHIDLimits.initNonceSize)).requestReport
        case .vaultGarbage:
            let command = UInt8.random(in: CTAPHIDCommand.firstVendor.rawValue...CTAPHIDCommand.lastVendor.rawValue,
                                       using: &generator)
            var payload = generator.bytes(Int.random(in: 0...CTAPHIDLimits.initPayloadSize, using: &generator))
            // Mostly the right protocol version, so the garbage reaches the request decoders.
            if !payload.isEmpty, Bool.random(using: &generator) { payload[0] = 0x01 }
            return Self.firstReport(channel: channel, command: command, payload: payload)
        case .stalledMessage:
            return Self.firstReport(channel: channel, command: 0x44, payload: generator.bytes(300))
        }
    }

    /// The init packet of a message (the whole message when it fits in one).
    private static func firstReport(channel: CTAPHIDChannelID, command: UInt8, payload: [UInt8]) -> [UInt8] {
        do {
            return try CTAPHIDMessageEncoder.reports(
                channel: channel, command: CTAPHIDCommand(rawValue: command), payload: payload)[0]
        } catch {
            preconditionFailure("a few hundred bytes always frame")
        }
    }
}
