// Constant-time building blocks. Secret values never decide a branch or an index: a choice between two
// values is made with an all-ones/all-zeros mask, and a comparison yields such a mask, not a Bool that a
// compiler could turn into a jump. Wrapping operators (`&+`, `&-`, `&*`) are used throughout the secret
// paths so that no overflow check (a branch on the data) is emitted, even in debug builds.

/// An all-ones (true) or all-zeros (false) word, the constant-time stand-in for a Bool.
typealias Mask = UInt64

extension UInt64 {
    /// All ones when `bit` (0 or 1) is 1, else zero.
    @inline(__always)
    static func mask(fromBit bit: UInt64) -> Mask { 0 &- (bit & 1) }

    /// All ones when the word is zero, else zero: no comparison, so no flag for a branch to use.
    @inline(__always)
    var isZeroMask: Mask {
        // (x | -x) has its top bit set exactly when x != 0.
        let nonZero = (self | (0 &- self)) >> 63
        return .mask(fromBit: nonZero ^ 1)
    }
}

/// A Bool as 0 or 1 without a branch (Bool is one byte holding 0 or 1).
@inline(__always)
func bit(_ flag: Bool) -> UInt64 {
    UInt64(unsafeBitCast(flag, to: UInt8.self))
}

/// Picks `a` where `mask` is all ones, `b` where it is zero.
@inline(__always)
func select(_ mask: Mask, _ a: UInt64, _ b: UInt64) -> UInt64 {
    b ^ (mask & (a ^ b))
}

/// Byte strings compared in time independent of their contents (lengths are public).
public func pureConstantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for i in 0..<a.count { difference |= a[i] ^ b[i] }
    return difference == 0
}

/// Overwrites a buffer with zeros (secrets leave memory as soon as their holder is done).
@inline(never)
func wipe(_ bytes: inout [UInt8]) {
    for i in 0..<bytes.count { bytes[i] = 0 }
}
