// Elements of GF(p) for P-256 in the Montgomery domain (x·R mod p). Constant time: see Limbs.swift.

/// An element of P-256's base field, held as x·2^256 mod p.
struct FieldElement: Sendable {
    var montgomery: Limbs

    private static var modulus: Modulus { .p256Field }

    init(montgomery: Limbs) { self.montgomery = montgomery }

    /// From a canonical integer below p.
    init(canonical value: Limbs) { montgomery = Self.modulus.toMontgomery(value) }

    static let zero = FieldElement(montgomery: .zero)
    /// 1·R mod p = 2^256 - p.
    static var one: FieldElement { FieldElement(canonical: Limbs(1, 0, 0, 0)) }

    /// From 32 big-endian bytes; nil unless the integer is below p (encodings are public, so the
    /// refusal may branch).
    init?(bytes: [UInt8], offset: Int = 0) {
        let value = Limbs(bigEndian: bytes, offset: offset)
        guard value.lessThanMask(Modulus.p256Field.m) != 0 else { return nil }
        self.init(canonical: value)
    }

    /// The canonical integer.
    var canonical: Limbs { Self.modulus.fromMontgomery(montgomery) }
    /// 32 big-endian bytes of the canonical integer.
    var bytes: [UInt8] { canonical.bigEndianBytes }
    /// The parity of the canonical integer (RFC 9380's sgn0 for m = 1), 0 or 1.
    var parity: UInt64 { canonical.w0 & 1 }

    static func + (a: FieldElement, b: FieldElement) -> FieldElement {
        FieldElement(montgomery: modulus.add(a.montgomery, b.montgomery))
    }
    static func - (a: FieldElement, b: FieldElement) -> FieldElement {
        FieldElement(montgomery: modulus.subtract(a.montgomery, b.montgomery))
    }
    static func * (a: FieldElement, b: FieldElement) -> FieldElement {
        FieldElement(montgomery: modulus.multiply(a.montgomery, b.montgomery))
    }
    static prefix func - (a: FieldElement) -> FieldElement { FieldElement(montgomery: modulus.negate(a.montgomery)) }

    var squared: FieldElement { self * self }
    var doubled: FieldElement { self + self }
    /// `self⁻¹`, zero for zero (RFC 9380's inv0).
    var inverse: FieldElement { FieldElement(montgomery: Self.modulus.invert(montgomery)) }

    /// `self^((p+1)/4)`: a square root when one exists (p ≡ 3 mod 4); the caller checks by squaring.
    var squareRootCandidate: FieldElement {
        let exponent = Limbs(0x0000_0000_0000_0000, 0x0000_0000_4000_0000, 0x4000_0000_0000_0000,
                             0x3fff_ffff_c000_0000)
        return FieldElement(montgomery: Self.modulus.power(montgomery, exponent))
    }

    /// All ones when zero. The Montgomery form of zero is zero and every value is reduced, so the
    /// limbs decide.
    var isZeroMask: Mask { montgomery.isZeroMask }

    /// All ones when equal.
    func equalMask(_ other: FieldElement) -> Mask { (self - other).isZeroMask }

    /// `mask ? a : b`.
    static func select(_ mask: Mask, _ a: FieldElement, _ b: FieldElement) -> FieldElement {
        FieldElement(montgomery: Limbs.select(mask, a.montgomery, b.montgomery))
    }
}

/// P-256's curve constants in the field: y² = x³ - 3x + b.
enum CurveConstants {
    /// b = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b.
    static var b: FieldElement {
        FieldElement(canonical: Limbs(0x3bce_3c3e_27d2_604b, 0x651d_06b0_cc53_b0f6, 0xb3eb_bd55_7698_86bc,
                                      0x5ac6_35d8_aa3a_93e7))
    }

    /// The generator's affine coordinates.
    static var generatorX: FieldElement {
        FieldElement(canonical: Limbs(0xf4a1_3945_d898_c296, 0x7703_7d81_2deb_33a0, 0xf8bc_e6e5_63a4_40f2,
                                      0x6b17_d1f2_e12c_4247))
    }
    static var generatorY: FieldElement {
        FieldElement(canonical: Limbs(0xcbb6_4068_37bf_51f5, 0x2bce_3357_6b31_5ece, 0x8ee7_eb4a_7c0f_9e16,
                                      0x4fe3_42e2_fe1a_7f9b))
    }

    /// x³ - 3x + b.
    static func rightHandSide(_ x: FieldElement) -> FieldElement {
        let three = x.doubled + x
        return x.squared * x - three + b
    }
}
