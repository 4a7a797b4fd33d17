// A cursor over a received message: every read is bounds-checked and throws `ProtocolError`, so a
// decoder is a straight sequence of reads with no index arithmetic of its own.

/// Reads big-endian integers and length-prefixed fields from the front of a byte string.
public struct ByteReader {
    private let bytes: [UInt8]
    private var position = 0

    /// Starts reading at the first byte of `bytes`.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count - position }

    /// Reads one byte.
    public mutating func readUInt8() throws(ProtocolError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated }
        defer { position += 1 }
        return bytes[position]
    }

    /// Reads a big-endian 16-bit integer.
    public mutating func readUInt16() throws(ProtocolError) -> UInt16 {
        UInt16(try readInteger(byteCount: 2))
    }

    /// Reads a big-endian 32-bit integer.
    public mutating func readUInt32() throws(ProtocolError) -> UInt32 {
        UInt32(try readInteger(byteCount: 4))
    }

    /// Reads a big-endian 64-bit integer.
    public mutating func readUInt64() throws(ProtocolError) -> UInt64 {
        try readInteger(byteCount: 8)
    }

    private mutating func readInteger(byteCount: Int) throws(ProtocolError) -> UInt64 {
        guard remaining >= byteCount else { throw .truncated }
        var value: UInt64 = 0
        for i in position..<position + byteCount { value = value << 8 | UInt64(bytes[i]) }
        position += byteCount
        return value
    }

    /// Reads everything left.
    public mutating func readRemaining() -> [UInt8] {
        defer { position = bytes.count }
        return Array(bytes[position...])
    }

    /// Reads exactly `count` bytes.
    public mutating func readBytes(_ count: Int) throws(ProtocolError) -> [UInt8] {
        guard count >= 0, count <= remaining else { throw .truncated }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    /// Reads a field prefixed by a one-byte length, whose length must lie in `allowed`.
    public mutating func readShortField(allowed: ClosedRange<Int>) throws(ProtocolError) -> [UInt8] {
        let length = Int(try readUInt8())
        guard allowed.contains(length) else { throw .lengthOutOfRange }
        return try readBytes(length)
    }

    /// Reads a field prefixed by a two-byte big-endian length, whose length must lie in `allowed`.
    public mutating func readLongField(allowed: ClosedRange<Int>) throws(ProtocolError) -> [UInt8] {
        let length = Int(try readUInt16())
        guard allowed.contains(length) else { throw .lengthOutOfRange }
        return try readBytes(length)
    }

    /// Confirms that the layout consumed the whole message.
    public func finish() throws(ProtocolError) {
        guard remaining == 0 else { throw .trailingBytes }
    }
}

/// Appends big-endian integers and length-prefixed fields; the counterpart of `ByteReader`.
public struct ByteWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty message.
    public init() {}

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func write(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    public mutating func write(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    public mutating func write(bytes more: [UInt8]) { bytes += more }

    /// Writes a one-byte length then the bytes. A field over 255 bytes is a local bug.
    public mutating func writeShortField(_ field: [UInt8]) {
        precondition(field.count <= Int(UInt8.max), "short field over 255 bytes")
        write(UInt8(field.count))
        bytes += field
    }

    /// Writes a two-byte length then the bytes. A field over 65535 bytes is a local bug.
    public mutating func writeLongField(_ field: [UInt8]) {
        precondition(field.count <= Int(UInt16.max), "long field over 65535 bytes")
        write(UInt16(field.count))
        bytes += field
    }
}
