/// Little-endian field access for the emulator's fixed file layouts.
enum ByteLayout {
    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        var little = value.littleEndian
        withUnsafeBytes(of: &little) { bytes.append(contentsOf: $0) }
    }

    static func read<T: FixedWidthInteger>(_: T.Type, from bytes: ArraySlice<UInt8>, at offset: Int) -> T {
        var value: T = 0
        let start = bytes.startIndex + offset
        for index in 0..<MemoryLayout<T>.size {
            value |= T(bytes[start + index]) << (8 * index)
        }
        return value
    }

    static func read<T: FixedWidthInteger>(_ type: T.Type, from bytes: [UInt8], at offset: Int) -> T {
        read(type, from: bytes[...], at: offset)
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) over the state files. It catches torn
/// writes and stray corruption; it is not a defence against an adversary (the fuses and counters are
/// on-chip in the trust model, and the firmware authenticates what it keeps in flash).
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = (value & 1) != 0 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1
        }
        return value
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        checksum(bytes[...])
    }
}
