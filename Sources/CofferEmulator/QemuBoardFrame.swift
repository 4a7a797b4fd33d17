/// One frame on the QEMU board's UART (docs/PROTOCOL.md, "QEMU board"):
/// `0xC0 | kind | length (0...64) | payload | CRC-16/CCITT-FALSE of kind, length and payload`,
/// the CRC big-endian. The board's side is scripts/qemu/uart.c.
public struct QemuBoardFrame: Equatable, Sendable {
    /// What a frame carries.
    public enum Kind: UInt8, Sendable {
        /// Host to board: one 64-byte OUT report.
        case outReport = 0x4F  // "O"
        /// Board to host: it booted; the payload is the boot count, u32 big-endian.
        case booted = 0x42  // "B"
        /// Board to host: one IN report answering the last OUT report.
        case inReport = 0x49  // "I"
        /// Board to host: done with the last OUT report (no payload).
        case done = 0x44  // "D"
        /// Board to host: one IN report that time made due (a CTAPHID timeout).
        case timedReport = 0x54  // "T"
    }

    /// The byte every frame starts with.
    public static let sync: UInt8 = 0xC0
    /// The longest payload: one HID report.
    public static let maxPayload = 64

    public var kind: Kind
    public var payload: [UInt8]

    public init(_ kind: Kind, payload: [UInt8] = []) {
        precondition(payload.count <= Self.maxPayload, "a frame carries one report at most")
        self.kind = kind
        self.payload = payload
    }

    /// The frame's bytes on the wire.
    public func encoded() -> [UInt8] {
        let body = [kind.rawValue, UInt8(payload.count)] + payload
        let crc = Self.crc16(body)
        return [Self.sync] + body + [UInt8(crc >> 8), UInt8(crc & 0xFF)]
    }

    /// CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR).
    public static func crc16(_ bytes: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return crc
    }
}

/// Cuts the bytes from the board's UART into frames. Bytes before a sync byte are skipped; a frame
/// with a length over 64, a wrong CRC or an unknown kind is dropped and the search for the next sync
/// byte starts right after the dropped frame's sync byte (`dropped` counts them).
public struct QemuBoardFrameDecoder: Sendable {
    private var buffer: [UInt8] = []
    /// Frames dropped so far.
    public private(set) var dropped = 0

    public init() {}

    /// Takes more bytes from the UART.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next whole frame, or nil until more bytes come.
    public mutating func next() -> QemuBoardFrame? {
        while true {
            guard let start = buffer.firstIndex(of: QemuBoardFrame.sync) else {
                buffer.removeAll()
                return nil
            }
            buffer.removeFirst(start)
            guard buffer.count >= 3 else { return nil }
            let length = Int(buffer[2])
            guard length <= QemuBoardFrame.maxPayload else {
                drop()
                continue
            }
            guard buffer.count >= 5 + length else { return nil }
            let body = Array(buffer[1..<3 + length])
            let crc = UInt16(buffer[3 + length]) << 8 | UInt16(buffer[4 + length])
            guard crc == QemuBoardFrame.crc16(body), let kind = QemuBoardFrame.Kind(rawValue: body[0]) else {
                drop()
                continue
            }
            buffer.removeFirst(5 + length)
            return QemuBoardFrame(kind, payload: Array(body[2...]))
        }
    }

    private mutating func drop() {
        dropped += 1
        buffer.removeFirst()
    }
}
