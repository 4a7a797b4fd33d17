// AES key wrap with padding (RFC 5649, NIST SP 800-38F KWP) under an AES-256 KEK, in constant time.
//
// The wrapping itself is a fixed schedule of 6n block operations whose shape depends only on the
// (public) length. The unwrap checks, the alternative IV, the message length indicator (MLI) and the
// zero padding, are folded into one mask without branching on any unwrapped byte; the one branch is on
// the combined verdict, which the caller learns anyway. The padding is scanned over all 8 bytes of the
// last block with masks, so which bytes are padding (the secret MLI) steers no branch and no index.

/// AES-256 key wrap with padding (RFC 5649).
public enum PureAESKeyWrap {
    /// Bytes of the KEK (AES-256 only).
    public static let kekLength = 32
    /// RFC 5649 §3's alternative initial value, the high half of A.
    static let alternativeIV: [UInt8] = [0xA6, 0x59, 0x59, 0xA6]

    /// Why a wrap or unwrap was refused.
    public enum Failure: Error, Equatable, Sendable {
        /// A KEK that is not 32 bytes, an empty plaintext, or wrapped bytes that are not 8·k with k ≥ 2.
        case invalidLength
        /// The integrity check failed: another KEK, or any changed byte.
        case authenticationFailure
    }

    /// Wraps `plaintext` (1 byte or more) under `kek`; the result is its length rounded up to 8, plus 8.
    public static func wrap(_ plaintext: [UInt8], kek: [UInt8]) throws(Failure) -> [UInt8] {
        guard var cipher = PureAES256(key: kek), !plaintext.isEmpty, UInt64(plaintext.count) <= UInt64(UInt32.max)
        else { throw .invalidLength }
        defer { cipher.wipeKey() }
        let blocks = (plaintext.count + 7) / 8
        var r = plaintext + [UInt8](repeating: 0, count: 8 * blocks - plaintext.count)
        defer { wipe(&r) }
        let initial = alternativeIV + bigEndian(UInt32(truncatingIfNeeded: plaintext.count))
        if blocks == 1 {
            // §4.1: a single padded block is encrypted once, in ECB mode.
            return cipher.encrypt(initial + r)
        }
        var a = initial
        for j in 0..<6 {
            for i in 0..<blocks {
                var b = cipher.encrypt(a + r[(8 * i)..<(8 * i + 8)])
                let counter = bigEndian(UInt64(blocks * j + i + 1))
                for k in 0..<8 { a[k] = b[k] ^ counter[k] }
                for k in 0..<8 { r[8 * i + k] = b[8 + k] }
                wipe(&b)
            }
        }
        return a + r
    }

    /// Unwraps what `wrap` produced and checks its integrity; no plaintext is returned when it fails.
    public static func unwrap(_ wrapped: [UInt8], kek: [UInt8]) throws(Failure) -> [UInt8] {
        guard var cipher = PureAES256(key: kek), wrapped.count >= 16, wrapped.count % 8 == 0 else {
            throw .invalidLength
        }
        defer { cipher.wipeKey() }
        let blocks = wrapped.count / 8 - 1
        var a: [UInt8]
        var r: [UInt8]
        if blocks == 1 {
            var b = cipher.decrypt(wrapped)
            a = Array(b[0..<8])
            r = Array(b[8..<16])
            wipe(&b)
        } else {
            a = Array(wrapped[0..<8])
            r = Array(wrapped[8...])
            for j in stride(from: 5, through: 0, by: -1) {
                for i in stride(from: blocks - 1, through: 0, by: -1) {
                    let counter = bigEndian(UInt64(blocks * j + i + 1))
                    var input = a + r[(8 * i)..<(8 * i + 8)]
                    for k in 0..<8 { input[k] ^= counter[k] }
                    var b = cipher.decrypt(input)
                    wipe(&input)
                    for k in 0..<8 { a[k] = b[k] }
                    for k in 0..<8 { r[8 * i + k] = b[8 + k] }
                    wipe(&b)
                }
            }
        }
        let (valid, length) = verdict(a: a, r: r, blocks: blocks)
        wipe(&a)
        guard valid != 0 else {
            wipe(&r)
            throw .authenticationFailure
        }
        // Past the check the length is the plaintext's, which the caller receives anyway.
        let plaintext = Array(r[0..<length])
        wipe(&r)
        return plaintext
    }

    /// All ones when A's high half is the alternative IV, 8(n-1) < MLI ≤ 8n, and every byte of R past MLI
    /// is zero; and MLI. Masks only: no branch or index depends on A or R.
    private static func verdict(a: [UInt8], r: [UInt8], blocks: Int) -> (Mask, Int) {
        var ivDifference: UInt64 = 0
        for k in 0..<4 { ivDifference |= UInt64(a[k] ^ alternativeIV[k]) }
        var mli: UInt64 = 0
        for k in 4..<8 { mli = (mli << 8) | UInt64(a[k]) }
        // MLI - (8(n-1) + 1) is in 0...7 exactly when the length fits n blocks (it wraps if below).
        let offset = mli &- UInt64(8 * blocks - 7)
        let lengthFits = (offset >> 3).isZeroMask
        var padding: UInt64 = 0
        let last = 8 * (blocks - 1)
        for k in 0..<8 {
            // Byte k of the last block is padding when k ≥ offset + 1, i.e. k - offset - 1 does not borrow.
            let isPadding = UInt64.mask(fromBit: ((UInt64(k) &- offset &- 1) >> 63) ^ 1)
            padding |= UInt64(r[last + k]) & isPadding
        }
        let valid = ivDifference.isZeroMask & lengthFits & padding.isZeroMask
        // MLI is at most 8n when valid; otherwise it is never used, so clamp it without a branch.
        let length = Int(truncatingIfNeeded: select(valid, mli, 0))
        return (valid, length)
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    private static func bigEndian(_ value: UInt64) -> [UInt8] {
        bigEndian(UInt32(truncatingIfNeeded: value >> 32)) + bigEndian(UInt32(truncatingIfNeeded: value))
    }
}
