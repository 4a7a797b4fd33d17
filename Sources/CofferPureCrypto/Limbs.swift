// 256-bit integers as four 64-bit limbs, least significant first, and Montgomery arithmetic modulo a
// 256-bit odd modulus (P-256's p and n). Every operation runs the same instructions whatever the
// values: carries travel as words, and the final conditional subtraction is a masked select.

/// A 256-bit unsigned integer, little-endian limbs. A value type with no heap storage.
struct Limbs: Equatable, Sendable {
    var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    init(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    static let zero = Limbs(0, 0, 0, 0)

    /// Limb `i` (a public index: loops over limbs, never secret data).
    subscript(i: Int) -> UInt64 {
        get {
            switch i {
            case 0: return w0
            case 1: return w1
            case 2: return w2
            default: return w3
            }
        }
        set {
            switch i {
            case 0: w0 = newValue
            case 1: w1 = newValue
            case 2: w2 = newValue
            default: w3 = newValue
            }
        }
    }

    /// From 32 big-endian bytes starting at `offset`.
    init(bigEndian bytes: [UInt8], offset: Int = 0) {
        self = .zero
        for i in 0..<32 {
            let limb = 3 - i / 8
            self[limb] = (self[limb] << 8) | UInt64(bytes[offset + i])
        }
    }

    /// 32 big-endian bytes.
    var bigEndianBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 {
            out[i] = UInt8(truncatingIfNeeded: self[3 - i / 8] >> (56 - 8 * UInt64(i % 8)))
        }
        return out
    }

    /// Bit `i` (public position), 0 or 1.
    func bit(_ i: Int) -> UInt64 { (self[i / 64] >> UInt64(i % 64)) & 1 }

    /// `self + other` and the carry out (0 or 1).
    @inline(__always)
    func adding(_ other: Limbs) -> (Limbs, UInt64) {
        var out = Limbs.zero
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (s1, c1) = self[i].addingReportingOverflow(other[i])
            let (s2, c2) = s1.addingReportingOverflow(carry)
            out[i] = s2
            carry = CofferPureCrypto.bit(c1) | CofferPureCrypto.bit(c2)
        }
        return (out, carry)
    }

    /// `self - other` and the borrow out (0 or 1).
    @inline(__always)
    func subtracting(_ other: Limbs) -> (Limbs, UInt64) {
        var out = Limbs.zero
        var borrow: UInt64 = 0
        for i in 0..<4 {
            let (d1, b1) = self[i].subtractingReportingOverflow(other[i])
            let (d2, b2) = d1.subtractingReportingOverflow(borrow)
            out[i] = d2
            borrow = CofferPureCrypto.bit(b1) | CofferPureCrypto.bit(b2)
        }
        return (out, borrow)
    }

    /// `mask ? a : b`, limb by limb.
    @inline(__always)
    static func select(_ mask: Mask, _ a: Limbs, _ b: Limbs) -> Limbs {
        Limbs(CofferPureCrypto.select(mask, a.w0, b.w0), CofferPureCrypto.select(mask, a.w1, b.w1),
              CofferPureCrypto.select(mask, a.w2, b.w2), CofferPureCrypto.select(mask, a.w3, b.w3))
    }

    /// All ones when zero.
    var isZeroMask: Mask { (w0 | w1 | w2 | w3).isZeroMask }

    /// All ones when `self < other` (the borrow of the subtraction, as a mask).
    func lessThanMask(_ other: Limbs) -> Mask { .mask(fromBit: subtracting(other).1) }
}

/// `acc + x*y + carry` as (high, low): never overflows 128 bits.
@inline(__always)
func multiplyAccumulate(_ acc: UInt64, _ x: UInt64, _ y: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
    let product = x.multipliedFullWidth(by: y)
    let (low1, c1) = product.low.addingReportingOverflow(acc)
    let (low2, c2) = low1.addingReportingOverflow(carry)
    return (product.high &+ bit(c1) &+ bit(c2), low2)
}

/// A 256-bit odd modulus above 2^255 with its Montgomery constants (R = 2^256).
struct Modulus {
    /// The modulus m.
    let m: Limbs
    /// R² mod m, to enter the Montgomery domain.
    let r2: Limbs
    /// -m⁻¹ mod 2^64.
    let m0inv: UInt64
    /// m - 2, the Fermat inversion exponent.
    let mMinus2: Limbs

    /// `a + b mod m` for a, b < m.
    @inline(__always)
    func add(_ a: Limbs, _ b: Limbs) -> Limbs {
        let (sum, carry) = a.adding(b)
        let (reduced, borrow) = sum.subtracting(m)
        // Keep the reduced value unless the subtraction borrowed without a carry to pay for it.
        return Limbs.select(.mask(fromBit: borrow & ~carry), sum, reduced)
    }

    /// `a - b mod m` for a, b < m.
    @inline(__always)
    func subtract(_ a: Limbs, _ b: Limbs) -> Limbs {
        let (difference, borrow) = a.subtracting(b)
        let (corrected, _) = difference.adding(m)
        return Limbs.select(.mask(fromBit: borrow), corrected, difference)
    }

    /// `-a mod m` (zero stays zero).
    func negate(_ a: Limbs) -> Limbs { subtract(.zero, a) }

    /// Montgomery product `a·b·R⁻¹ mod m` for a, b < m (CIOS, Koç et al.), with one masked final subtraction.
    func multiply(_ a: Limbs, _ b: Limbs) -> Limbs {
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0, t4: UInt64 = 0
        for i in 0..<4 {
            let bi = b[i]
            var c: UInt64
            (c, t0) = multiplyAccumulate(t0, a.w0, bi, 0)
            (c, t1) = multiplyAccumulate(t1, a.w1, bi, c)
            (c, t2) = multiplyAccumulate(t2, a.w2, bi, c)
            (c, t3) = multiplyAccumulate(t3, a.w3, bi, c)
            let (s4, o4) = t4.addingReportingOverflow(c)
            let t5 = bit(o4)
            let q = t0 &* m0inv
            var discard: UInt64
            (c, discard) = multiplyAccumulate(t0, q, m.w0, 0)
            _ = discard
            (c, t0) = multiplyAccumulate(t1, q, m.w1, c)
            (c, t1) = multiplyAccumulate(t2, q, m.w2, c)
            (c, t2) = multiplyAccumulate(t3, q, m.w3, c)
            let (s3, o3) = s4.addingReportingOverflow(c)
            t3 = s3
            t4 = t5 &+ bit(o3)
        }
        let value = Limbs(t0, t1, t2, t3)
        let (reduced, borrow) = value.subtracting(m)
        // value + t4·2^256 < 2m: subtract m unless value < m and nothing spilled into t4.
        return Limbs.select(.mask(fromBit: borrow & ~t4 & 1), value, reduced)
    }

    func square(_ a: Limbs) -> Limbs { multiply(a, a) }

    /// Into the Montgomery domain: `a·R mod m` (a below m, or below 2^256 with one extra reduction by
    /// the multiplication's own final subtraction when a < 2m).
    func toMontgomery(_ a: Limbs) -> Limbs { multiply(a, r2) }

    /// Out of the Montgomery domain: `a·R⁻¹ mod m`.
    func fromMontgomery(_ a: Limbs) -> Limbs { multiply(a, Limbs(1, 0, 0, 0)) }

    /// `base^exponent` in the Montgomery domain. The exponent is public (a constant of the curve),
    /// so scanning its bits with a branch reveals nothing; the base may be secret.
    func power(_ base: Limbs, _ exponent: Limbs) -> Limbs {
        var result = toMontgomery(Limbs(1, 0, 0, 0))
        for i in stride(from: 255, through: 0, by: -1) {
            result = square(result)
            if exponent.bit(i) == 1 { result = multiply(result, base) }
        }
        return result
    }

    /// The inverse in the Montgomery domain by Fermat (`a^(m-2)`); zero maps to zero.
    func invert(_ a: Limbs) -> Limbs { power(a, mMinus2) }

    /// A value below 2^256 reduced once: below m for anything under 2m (P-256's moduli exceed 2^255).
    func reduceOnce(_ a: Limbs) -> Limbs {
        let (reduced, borrow) = a.subtracting(m)
        return Limbs.select(.mask(fromBit: borrow), a, reduced)
    }

    /// `OS2IP(bytes) mod m` for 48 big-endian bytes (RFC 9380 hash_to_field's L = 48), as a canonical value:
    /// hi·2^256 + lo = hi·R + lo, and hi·R = Montgomery(hi, R²).
    func reduceWide(_ bytes: [UInt8]) -> Limbs {
        var padded = [UInt8](repeating: 0, count: 16)
        padded += bytes[0..<16]
        let high = Limbs(bigEndian: padded)
        let low = Limbs(bigEndian: bytes, offset: 16)
        return add(reduceOnce(low), multiply(high, r2))
    }
}

extension Modulus {
    /// P-256's field prime p = 2^256 - 2^224 + 2^192 + 2^96 - 1.
    static let p256Field = Modulus(
        m: Limbs(0xffff_ffff_ffff_ffff, 0x0000_0000_ffff_ffff, 0x0000_0000_0000_0000, 0xffff_ffff_0000_0001),
        r2: Limbs(0x0000_0000_0000_0003, 0xffff_fffb_ffff_ffff, 0xffff_ffff_ffff_fffe, 0x0000_0004_ffff_fffd),
        m0inv: 1,
        mMinus2: Limbs(0xffff_ffff_ffff_fffd, 0x0000_0000_ffff_ffff, 0x0000_0000_0000_0000, 0xffff_ffff_0000_0001))

    /// P-256's group order n.
    static let p256Order = Modulus(
        m: Limbs(0xf3b9_cac2_fc63_2551, 0xbce6_faad_a717_9e84, 0xffff_ffff_ffff_ffff, 0xffff_ffff_0000_0000),
        r2: Limbs(0x8324_4c95_be79_eea2, 0x4699_799c_49bd_6fa6, 0x2845_b239_2b6b_ec59, 0x66e1_2d94_f3d9_5620),
        m0inv: 0xccd1_c8aa_ee00_bc4f,
        mMinus2: Limbs(0xf3b9_cac2_fc63_254f, 0xbce6_faad_a717_9e84, 0xffff_ffff_ffff_ffff, 0xffff_ffff_0000_0000))
}
