// AES-256 block encryption (FIPS 197) without lookup tables.
//
// The S-box is computed, not looked up: S(x) = A(x^254) + 0x63, with x^254 the inverse in GF(2^8)
// (0 ↦ 0) reached by a fixed chain of 11 multiplications, and A the affine map as XORs of byte
// rotations. Eight bytes are processed at once, one per byte lane of a UInt64 ("SIMD within a
// register"); a GF(2^8) multiplication scans the multiplier's 8 bit positions and keeps partial
// products with masks. No table is indexed and no branch is taken on key or state bytes, so cache
// timing learns nothing (a table S-box is the classic AES cache-timing leak). ShiftRows moves bytes by
// fixed positions and MixColumns uses a masked xtime.

/// An expanded AES-256 encryption key.
public struct PureAES256: Sendable {
    /// Key length in bytes.
    public static let keyLength = 32
    /// Block length in bytes.
    public static let blockLength = 16

    /// 15 round keys of 16 bytes.
    private var roundKeys: [UInt8]

    /// Expands a 32-byte key; nil for any other length.
    public init?(key: [UInt8]) {
        guard key.count == Self.keyLength else { return nil }
        var words = key
        words.reserveCapacity(240)
        var rcon: UInt8 = 1
        for i in 8..<60 {
            var t = Array(words[(4 * i - 4)..<(4 * i)])
            if i % 8 == 0 {
                t = [t[1], t[2], t[3], t[0]]
                t = Self.subBytes(t)
                t[0] ^= rcon
                rcon = Self.xtime(rcon)
            } else if i % 8 == 4 {
                t = Self.subBytes(t)
            }
            for j in 0..<4 { words.append(words[4 * (i - 8) + j] ^ t[j]) }
        }
        roundKeys = words
    }

    /// Overwrites the expanded key.
    public mutating func wipeKey() { wipe(&roundKeys) }

    /// Encrypts one 16-byte block.
    public func encrypt(_ block: [UInt8]) -> [UInt8] {
        var state = block
        for i in 0..<16 { state[i] ^= roundKeys[i] }
        for round in 1...14 {
            state = Self.subBytes(state)
            state = Self.shiftRows(state)
            if round != 14 { state = Self.mixColumns(state) }
            for i in 0..<16 { state[i] ^= roundKeys[16 * round + i] }
        }
        return state
    }

    /// Decrypts one 16-byte block (FIPS 197 §5.3, the inverse cipher), for key unwrapping.
    public func decrypt(_ block: [UInt8]) -> [UInt8] {
        var state = block
        for i in 0..<16 { state[i] ^= roundKeys[16 * 14 + i] }
        for round in stride(from: 13, through: 0, by: -1) {
            state = Self.inverseShiftRows(state)
            state = Self.inverseSubBytes(state)
            for i in 0..<16 { state[i] ^= roundKeys[16 * round + i] }
            if round != 0 { state = Self.inverseMixColumns(state) }
        }
        return state
    }

    // MARK: - The round functions

    /// One byte doubled in GF(2^8): the reduction is masked in, not branched on.
    @inline(__always)
    static func xtime(_ b: UInt8) -> UInt8 { (b << 1) ^ (0x1b & (0 &- (b >> 7))) }

    private static let lanes: UInt64 = 0x0101_0101_0101_0101

    /// Eight lane-wise doublings.
    @inline(__always)
    private static func xtime(lanes x: UInt64) -> UInt64 {
        ((x & 0x7f7f_7f7f_7f7f_7f7f) << 1) ^ (((x >> 7) & lanes) &* 0x1b)
    }

    /// Eight lane-wise GF(2^8) products: for each bit of `b`, a mask keeps or drops `a·x^i`.
    @inline(__always)
    private static func multiply(lanes a: UInt64, _ b: UInt64) -> UInt64 {
        var product: UInt64 = 0
        var shifted = a
        for i in 0..<8 {
            let keep = ((b >> UInt64(i)) & lanes) &* 0xff
            product ^= shifted & keep
            shifted = xtime(lanes: shifted)
        }
        return product
    }

    /// Lane-wise rotation of each byte left by `k` (1...7).
    @inline(__always)
    private static func rotateLeft(lanes x: UInt64, _ k: UInt64) -> UInt64 {
        let high = (UInt64(0xff) << k) & 0xff, low = UInt64(0xff) >> (8 - k)
        return ((x << k) & (high &* lanes)) | ((x >> (8 - k)) & (low &* lanes))
    }

    /// The S-box on eight lanes: inverse by the chain x², x³, x⁶, x¹², x¹⁵, x³⁰, x⁶⁰, x¹²⁰, x²⁴⁰, x²⁵², x²⁵⁴,
    /// then the affine map.
    static func sBox(lanes x: UInt64) -> UInt64 {
        let inverse = fieldInverse(lanes: x)
        return inverse ^ rotateLeft(lanes: inverse, 1) ^ rotateLeft(lanes: inverse, 2)
            ^ rotateLeft(lanes: inverse, 3) ^ rotateLeft(lanes: inverse, 4) ^ (0x63 &* lanes)
    }

    /// The inverse S-box on eight lanes: the inverse affine map (rotations by 1, 3 and 6, then 0x05),
    /// then the same field inversion, which is its own inverse.
    static func inverseSBox(lanes y: UInt64) -> UInt64 {
        let unmapped = rotateLeft(lanes: y, 1) ^ rotateLeft(lanes: y, 3) ^ rotateLeft(lanes: y, 6) ^ (0x05 &* lanes)
        return fieldInverse(lanes: unmapped)
    }

    /// x^254 in each lane (the inverse in GF(2^8), 0 ↦ 0), by a fixed multiplication chain.
    @inline(__always)
    private static func fieldInverse(lanes x: UInt64) -> UInt64 {
        let x2 = multiply(lanes: x, x)
        let x3 = multiply(lanes: x2, x)
        let x6 = multiply(lanes: x3, x3)
        let x12 = multiply(lanes: x6, x6)
        let x15 = multiply(lanes: x12, x3)
        let x30 = multiply(lanes: x15, x15)
        let x60 = multiply(lanes: x30, x30)
        let x120 = multiply(lanes: x60, x60)
        let x240 = multiply(lanes: x120, x120)
        let x252 = multiply(lanes: x240, x12)
        return multiply(lanes: x252, x2)
    }

    /// SubBytes on any number of bytes, eight at a time.
    static func subBytes(_ bytes: [UInt8]) -> [UInt8] { substitute(bytes, sBox(lanes:)) }

    /// InvSubBytes on any number of bytes, eight at a time.
    static func inverseSubBytes(_ bytes: [UInt8]) -> [UInt8] { substitute(bytes, inverseSBox(lanes:)) }

    @inline(__always)
    private static func substitute(_ bytes: [UInt8], _ box: (UInt64) -> UInt64) -> [UInt8] {
        var out = bytes
        var start = 0
        while start < bytes.count {
            let end = min(start + 8, bytes.count)
            var packed: UInt64 = 0
            for i in start..<end { packed |= UInt64(bytes[i]) << UInt64(8 * (i - start)) }
            let substituted = box(packed)
            for i in start..<end { out[i] = UInt8(truncatingIfNeeded: substituted >> UInt64(8 * (i - start))) }
            start = end
        }
        return out
    }

    /// Row r of the column-major state moves left by r.
    private static func shiftRows(_ s: [UInt8]) -> [UInt8] {
        var out = s
        for column in 0..<4 {
            for row in 0..<4 { out[4 * column + row] = s[4 * ((column + row) % 4) + row] }
        }
        return out
    }

    /// Row r of the column-major state moves right by r.
    private static func inverseShiftRows(_ s: [UInt8]) -> [UInt8] {
        var out = s
        for column in 0..<4 {
            for row in 0..<4 { out[4 * ((column + row) % 4) + row] = s[4 * column + row] }
        }
        return out
    }

    /// InvMixColumns as a fixed pre-step then MixColumns: multiplying each column by
    /// {04}x² + {05} first (FIPS 197's matrix factors so), with masked doublings only.
    private static func inverseMixColumns(_ s: [UInt8]) -> [UInt8] {
        var pre = s
        for column in 0..<4 {
            let u = xtime(xtime(s[4 * column] ^ s[4 * column + 2]))
            let v = xtime(xtime(s[4 * column + 1] ^ s[4 * column + 3]))
            pre[4 * column] ^= u
            pre[4 * column + 1] ^= v
            pre[4 * column + 2] ^= u
            pre[4 * column + 3] ^= v
        }
        return mixColumns(pre)
    }

    private static func mixColumns(_ s: [UInt8]) -> [UInt8] {
        var out = s
        for column in 0..<4 {
            let a0 = s[4 * column], a1 = s[4 * column + 1], a2 = s[4 * column + 2], a3 = s[4 * column + 3]
            let all = a0 ^ a1 ^ a2 ^ a3
            out[4 * column] = a0 ^ all ^ xtime(a0 ^ a1)
            out[4 * column + 1] = a1 ^ all ^ xtime(a1 ^ a2)
            out[4 * column + 2] = a2 ^ all ^ xtime(a2 ^ a3)
            out[4 * column + 3] = a3 ^ all ^ xtime(a3 ^ a0)
        }
        return out
    }
}
