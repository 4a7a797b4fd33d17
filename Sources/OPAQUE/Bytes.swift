// Byte-string helpers for the encodings RFC 9497 and RFC 9807 use: I2OSP prefixes, XOR, labels.

/// The bytes of an ASCII label.
@inline(__always)
func ascii(_ label: StaticString) -> [UInt8] {
    label.withUTF8Buffer { Array($0) }
}

/// `I2OSP(value, 2)`. Callers check `value` fits first.
@inline(__always)
func twoByteLength(_ value: Int) -> [UInt8] {
    [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
}

/// `I2OSP(len(bytes), 2) || bytes`, refusing strings too long for a two-byte length.
func lengthPrefixed(_ bytes: [UInt8]) throws(OPAQUEError) -> [UInt8] {
    guard bytes.count <= Int(UInt16.max) else { throw .invalidLength }
    return twoByteLength(bytes.count) + bytes
}

/// Byte-wise XOR of two strings of the same length.
func xor(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
    precondition(a.count == b.count, "xor of strings of different lengths")
    var out = a
    for i in 0..<out.count { out[i] ^= b[i] }
    return out
}

/// A cursor that cuts a message into fixed-length fields and insists nothing is left over.
struct FieldReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8], expectedLength: Int) throws(OPAQUEError) {
        guard bytes.count == expectedLength else { throw .invalidLength }
        self.bytes = bytes
    }

    mutating func take(_ count: Int) -> [UInt8] {
        precondition(offset + count <= bytes.count, "field layout longer than the checked length")
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }
}
