import CofferCrypto
import Foundation

/// Read access to one JSON object of a vector file, turning absent or malformed fields into a
/// mismatch that names them.
struct JSONFields {
    let values: [String: Any]

    init(_ values: [String: Any]) { self.values = values }

    init(_ any: Any?, field: String) throws(VectorMismatch) {
        guard let values = any as? [String: Any] else { throw VectorMismatch(field: field, reason: "not an object") }
        self.values = values
    }

    var keys: [String] { Array(values.keys) }

    func has(_ key: String) -> Bool { values[key] != nil }

    /// A string field; numbers are accepted and printed in decimal.
    func string(_ key: String) throws(VectorMismatch) -> String {
        if let value = values[key] as? String { return value }
        if let value = values[key] as? NSNumber { return value.stringValue }
        throw VectorMismatch(field: key, reason: values[key] == nil ? "missing" : "not a string")
    }

    func optionalString(_ key: String) -> String? { try? string(key) }

    /// A hex field (`0x` prefix allowed).
    func hex(_ key: String) throws(VectorMismatch) -> [UInt8] {
        let text = try string(key)
        guard let bytes = Hex.decodeVectorField(text) else { throw VectorMismatch(field: key, reason: "not hex") }
        return bytes
    }

    func optionalHex(_ key: String) throws(VectorMismatch) -> [UInt8]? {
        has(key) ? try hex(key) : nil
    }

    func object(_ key: String) throws(VectorMismatch) -> JSONFields { try JSONFields(values[key], field: key) }

    func array(_ key: String) throws(VectorMismatch) -> [Any] {
        guard let array = values[key] as? [Any] else { throw VectorMismatch(field: key, reason: "missing or not a list") }
        return array
    }

    /// When the file holds `key`, it must equal `actual`.
    func expect(_ key: String, _ actual: [UInt8]) throws(VectorMismatch) {
        guard has(key) else { return }
        try Self.compare(key, expected: try hex(key), actual: actual)
    }

    static func compare(_ field: String, expected: [UInt8], actual: [UInt8]) throws(VectorMismatch) {
        guard expected == actual else {
            throw VectorMismatch(field: field, reason: "expected \(Hex.encode(expected)), got \(Hex.encode(actual))")
        }
    }
}

/// Hex as the vector files write it: a `0x` prefix is allowed.
extension Hex {
    static func decodeVectorField(_ text: String) -> [UInt8]? {
        decode(text.hasPrefix("0x") || text.hasPrefix("0X") ? text.dropFirst(2) : Substring(text))
    }

    /// A big-endian integer written in hex, left-padded (or stripped of leading zeros) to `length`.
    static func decodeInteger(_ text: String, length: Int) -> [UInt8]? {
        var digits = text
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits.removeFirst(2) }
        if digits.count % 2 == 1 { digits = "0" + digits }
        guard var bytes = decode(digits) else { return nil }
        while bytes.count > length, bytes.first == 0 { bytes.removeFirst() }
        guard bytes.count <= length else { return nil }
        return [UInt8](repeating: 0, count: length - bytes.count) + bytes
    }
}

/// Runs one entry's check and records the first mismatch.
func runEntry(index: Int, name: String, _ body: () throws(VectorMismatch) -> Void) -> VectorEntryResult {
    do {
        try body()
        return VectorEntryResult(index: index, name: name, mismatch: nil)
    } catch {
        return VectorEntryResult(index: index, name: name, mismatch: error)
    }
}

/// Runs a step of the code under test; a refusal becomes a mismatch on the field it was to produce.
/// A mismatch raised inside the step (an unusable input) passes through unchanged.
func produce<R>(_ field: String, _ body: () throws -> R) throws(VectorMismatch) -> R {
    do {
        return try body()
    } catch let mismatch as VectorMismatch {
        throw mismatch
    } catch {
        throw VectorMismatch(field: field, reason: "refused: \(error)")
    }
}
