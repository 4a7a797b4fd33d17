/// The JSON of an access token's header and claims, read strictly: one flat object whose values are
/// strings, integers or booleans, every key once. Anything else (nesting, fractions, exponents,
/// duplicate keys, trailing bytes, bad escapes or UTF-8) is refused, so a token cannot mean one thing
/// to this verifier and another to a laxer parser (the duplicate-claim ambiguity of lenient JWT
/// libraries).
enum StrictJSON {
    /// A value of a flat token object.
    enum Value: Equatable {
        case string(String)
        case integer(Int64)
        case bool(Bool)
    }

    /// Parses one flat object; nil for anything else.
    static func object(_ bytes: [UInt8]) -> [String: Value]? {
        var reader = Reader(bytes: bytes)
        return reader.object()
    }

    /// Encodes a flat object with keys in sorted order (what `AccessToken.issue` signs).
    static func encode(_ object: [String: Value]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (position, key) in object.keys.sorted().enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            out += quoted(key) + [UInt8(ascii: ":")]
            switch object[key]! {
            case .string(let text): out += quoted(text)
            case .integer(let number): out += Array(String(number).utf8)
            case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
            }
        }
        return out + [UInt8(ascii: "}")]
    }

    private static func quoted(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case 0..<0x20: out += Array("\\u00".utf8) + hexDigits(byte)
            default: out.append(byte)
            }
        }
        return out + [UInt8(ascii: "\"")]
    }

    private static func hexDigits(_ byte: UInt8) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
    }

    private struct Reader {
        let bytes: [UInt8]
        var at = 0

        mutating func object() -> [String: Value]? {
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            var result: [String: Value] = [:]
            skipSpace()
            if take(UInt8(ascii: "}")) { return finished(result) }
            while true {
                skipSpace()
                guard let key = string(), result[key] == nil else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                guard let value = value() else { return nil }
                result[key] = value
                skipSpace()
                if take(UInt8(ascii: "}")) { return finished(result) }
                guard take(UInt8(ascii: ",")) else { return nil }
            }
        }

        private mutating func finished(_ result: [String: Value]) -> [String: Value]? {
            skipSpace()
            return at == bytes.count ? result : nil
        }

        private mutating func value() -> Value? {
            guard at < bytes.count else { return nil }
            switch bytes[at] {
            case UInt8(ascii: "\""): return string().map { .string($0) }
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            default: return integer().map { .integer($0) }
            }
        }

        private mutating func integer() -> Int64? {
            let start = at
            if at < bytes.count, bytes[at] == UInt8(ascii: "-") { at += 1 }
            let digitsStart = at
            while at < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) { at += 1 }
            let digits = at - digitsStart
            // No leading zeros (JSON), at most 18 digits (no overflow), no fraction or exponent after.
            guard digits > 0, digits <= 18, digits == 1 || bytes[digitsStart] != UInt8(ascii: "0") else { return nil }
            if at < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[at]) {
                return nil
            }
            return Int64(String(decoding: bytes[start..<at], as: UTF8.self))
        }

        private mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            var out: [UInt8] = []
            while at < bytes.count {
                let byte = bytes[at]
                at += 1
                switch byte {
                case UInt8(ascii: "\""):
                    // Valid UTF-8 only: String(validating:) refuses what decoding would repair.
                    return String(validating: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard at < bytes.count else { return nil }
                    let escape = bytes[at]
                    at += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "u"):
                        // Basic-plane escapes only; surrogates (pairs or lone) are refused.
                        guard at + 4 <= bytes.count,
                            let code = UInt32(
                                String(decoding: bytes[at..<at + 4], as: UTF8.self),
                                radix: 16),
                            !(0xD800...0xDFFF).contains(code), let scalar = Unicode.Scalar(code)
                        else { return nil }
                        at += 4
                        out += Array(String(Character(scalar)).utf8)
                    default: return nil
                    }
                case 0..<0x20: return nil
                default: out.append(byte)
                }
            }
            return nil
        }

        private mutating func literal(_ word: String) -> Bool {
            let expected = Array(word.utf8)
            guard at + expected.count <= bytes.count, Array(bytes[at..<at + expected.count]) == expected else {
                return false
            }
            at += expected.count
            return true
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard at < bytes.count, bytes[at] == byte else { return false }
            at += 1
            return true
        }

        private mutating func skipSpace() {
            while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
        }
    }
}
