// Hex in test vectors: the one helper the vector tests share.

extension Array where Element == UInt8 {
    /// Bytes from hex digits (upper or lower case, whitespace ignored); traps on bad input, which is
    /// a typo in a test vector.
    init(hex: String) {
        let digits = hex.unicodeScalars.filter { !$0.properties.isWhitespace }.map { scalar -> UInt8 in
            guard let value = UInt8(String(scalar), radix: 16) else { fatalError("bad hex digit \(scalar)") }
            return value
        }
        precondition(digits.count % 2 == 0, "odd number of hex digits")
        self = stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    /// Lower-case hex.
    var hex: String {
        let alphabet: [Character] = "0123456789abcdef".map { $0 }
        var text = ""
        for byte in self {
            text.append(alphabet[Int(byte >> 4)])
            text.append(alphabet[Int(byte & 0x0f)])
        }
        return text
    }

    /// A copy with bit `bit` of byte `index` flipped: the negative twin of a vector.
    func flippingBit(_ bit: Int = 0, ofByte index: Int) -> [UInt8] {
        var copy = self
        copy[index] ^= 1 << UInt8(bit)
        return copy
    }
}

extension String {
    /// The UTF-8 bytes of the string.
    var utf8Bytes: [UInt8] { Array(utf8) }
}
