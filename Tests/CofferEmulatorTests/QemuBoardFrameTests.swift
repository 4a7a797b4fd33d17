import Testing

@testable import CofferEmulator

/// The QEMU board's UART frames (docs/PROTOCOL.md 10a) as the bridge cuts them.
struct QemuBoardFrameTests {
    let report = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37) }

    @Test("a frame's bytes: sync, kind, length, payload, CRC-16/CCITT-FALSE big-endian")
    func layout() {
        #expect(QemuBoardFrame.crc16(Array("123456789".utf8)) == 0x29B1, "the CRC's check value")
        let bytes = QemuBoardFrame(.done).encoded()
        #expect(bytes == [0xC0, 0x44, 0x00] + [UInt8(QemuBoardFrame.crc16([0x44, 0]) >> 8),
                                                UInt8(QemuBoardFrame.crc16([0x44, 0]) & 0xFF)])
    }

    @Test("frames come out whole and in order, fed one byte at a time or all at once")
    func roundTrip() {
        let frames = [QemuBoardFrame(.booted, payload: [0, 0, 0, 7]), QemuBoardFrame(.inReport, payload: report),
                      QemuBoardFrame(.done), QemuBoardFrame(.timedReport, payload: report.reversed())]
        let wire = frames.flatMap { $0.encoded() }
        var whole = QemuBoardFrameDecoder()
        whole.append(wire)
        var byByte = QemuBoardFrameDecoder()
        var trickled: [QemuBoardFrame] = []
        for byte in wire {
            byByte.append([byte])
            while let frame = byByte.next() { trickled.append(frame) }
        }
        #expect(Array(sequence(state: whole) { $0.next() }) == frames)
        #expect(trickled == frames)
    }

    @Test("noise before a sync byte is skipped; a frame with a wrong CRC, a length over 64 or an unknown kind is dropped")
    func damage() {
        let good = QemuBoardFrame(.inReport, payload: report)
        var flipped = good.encoded()
        flipped[10] ^= 0x01
        let unknownCRC = QemuBoardFrame.crc16([0x5A, 0])
        let unknown: [UInt8] = [0xC0, 0x5A, 0, UInt8(unknownCRC >> 8), UInt8(unknownCRC & 0xFF)]
        let overlong: [UInt8] = [0xC0, 0x49, 65]
        var decoder = QemuBoardFrameDecoder()
        decoder.append([0x00, 0x13] + flipped + overlong + unknown + good.encoded())
        #expect(decoder.next() == good)
        #expect(decoder.next() == nil)
        #expect(decoder.dropped == 3)
    }
}
