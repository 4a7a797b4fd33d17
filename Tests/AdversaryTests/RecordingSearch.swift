import CTAPHID

/// Looks for secrets in what a relay recorded: in every datagram as it crossed, and in every
/// message reassembled from its reports (so a secret split across two reports is found too), as
/// raw bytes and as hex text.
struct RecordingSearch {
    /// Shortest piece of a secret that counts as found: 8 bytes of a uniformly random secret turn
    /// up by chance in a few kilobytes with probability about 2^-50.
    static let window = 8
    private let haystacks: [[UInt8]]

    init(_ recording: [RelayedDatagram]) {
        haystacks = recording.map(\.bytes) + Self.messages(recording)
    }

    /// The total number of bytes searched.
    var size: Int { haystacks.map(\.count).reduce(0, +) }

    /// True if `secret`, or any `window`-byte piece of it, or its hex text, appears anywhere.
    func contains(_ secret: [UInt8]) -> Bool {
        let hex = secret.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        let forms = [secret, Array(hex.utf8), Array(hex.uppercased().utf8)]
        for form in forms {
            let width = min(Self.window, form.count)
            for start in 0...(form.count - width) {
                let piece = Array(form[start..<start + width])
                if haystacks.contains(where: { Self.find(piece, in: $0) }) { return true }
            }
        }
        return false
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    /// The payloads of the messages in `recording`, reassembled per direction and channel.
    private static func messages(_ recording: [RelayedDatagram]) -> [[UInt8]] {
        var open: [String: (length: Int, payload: [UInt8])] = [:]
        var done: [[UInt8]] = []
        for datagram in recording {
            guard let packet = CTAPHIDPacket(report: datagram.bytes) else { continue }
            let key = "\(datagram.direction)-\(packet.channel.rawValue)"
            switch packet {
            case .initialization(let first):
                open[key] = (first.messageLength, Array(first.data.prefix(first.messageLength)))
            case .continuation(let next):
                open[key]?.payload += next.data
            }
            if let message = open[key], message.payload.count >= message.length {
                done.append(Array(message.payload.prefix(message.length)))
                open[key] = nil
            }
        }
        return done + open.values.map(\.payload)
    }
}
