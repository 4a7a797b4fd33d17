/// A cursor over a fuzzer's input: harnesses take their choices and their data from it in order.
///
/// Reading past the end yields zeros rather than failing, so every input, however short, is a
/// complete run; the fuzzer learns which bytes matter from coverage.
struct FuzzInput {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Bytes not consumed yet.
    var remaining: Int {
        bytes.count - offset
    }

    /// The next byte, or 0 past the end.
    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// The next two bytes as a big-endian number.
    mutating func uint16() -> UInt16 {
        UInt16(byte()) << 8 | UInt16(byte())
    }

    /// The next four bytes as a big-endian number.
    mutating func uint32() -> UInt32 {
        UInt32(uint16()) << 16 | UInt32(uint16())
    }

    /// Up to `count` next bytes: fewer only at the end of the input.
    mutating func bytes(upTo count: Int) -> [UInt8] {
        let end = min(bytes.count, offset + count)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}

/// Stops the run with a message when a property that must hold does not: the fuzzer records the
/// input as a crash, and the regression tests fail on it.
func invariant(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID,
               line: UInt = #line) {
    if !condition {
        // fatalError keeps its message in optimised builds, where precondition's is dropped.
        fatalError("fuzz invariant: \(message())", file: file, line: line)
    }
}
