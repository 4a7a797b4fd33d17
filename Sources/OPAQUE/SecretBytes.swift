// The one type that holds secrets in Coffer: keys, seeds, session keys, released backup keys.
// Pure Swift so the firmware and OPAQUE can use it; CofferCrypto and the host share it.

/// Secret bytes in a buffer of their own that is wiped when the last reference goes away.
///
/// Equality is constant-time in the contents (lengths are not secret). `description` never
/// shows the bytes, so a secret printed into a log or an error says only how long it is.
public final class SecretBytes: @unchecked Sendable, CustomStringConvertible, Equatable {
    private let storage: UnsafeMutableRawBufferPointer

    /// Copies `bytes` into a fresh buffer. The caller should drop its own copy.
    public init(_ bytes: [UInt8]) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        count = bytes.count
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { storage.baseAddress!.copyMemory(from: base, byteCount: count) }
        }
    }

    /// `count` zero bytes, to be filled through `withUnsafeMutableBytes`.
    public init(zeros count: Int) {
        precondition(count >= 0, "negative length")
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        self.count = count
    }

    deinit {
        SecretBytes.wipe(storage)
        storage.deallocate()
    }

    /// Number of secret bytes.
    public let count: Int

    /// Read access to the bytes without copying them out.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// Write access, for filling a secret in place (a key derived straight into the buffer).
    public func withUnsafeMutableBytes<R, E: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        try body(UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// A plain copy of the bytes, for APIs that take arrays. Keep its lifetime short.
    public var bytes: [UInt8] {
        [UInt8](UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    public var description: String { "SecretBytes(\(count) bytes, redacted)" }

    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in constantTimeEqual(a, b) } }
    }

    /// Zeroes the buffer through a call the optimiser cannot see through, so the stores survive
    /// even though the memory is freed right after.
    @inline(never)
    private static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        for i in 0..<buffer.count { buffer.storeBytes(of: 0, toByteOffset: i, as: UInt8.self) }
        withExtendedLifetime(buffer) {}
    }
}

/// Compares two byte strings in time that depends on their lengths only, never on their contents.
/// Use it for every MAC, tag and secret comparison.
@inline(never)
public func constantTimeEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for i in 0..<a.count { difference |= a[i] ^ b[i] }
    return difference == 0
}

/// `constantTimeEqual` for arrays.
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    a.withUnsafeBytes { x in b.withUnsafeBytes { y in constantTimeEqual(x, y) } }
}
