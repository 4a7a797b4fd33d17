// Points of P-256 in homogeneous projective coordinates (X : Y : Z), with the complete formulas of
// Renes, Costello and Batina (eprint 2015/1060, algorithms 4 and 6 for a = -3): one sequence of field
// operations for every pair of inputs, the identity (0 : 1 : 0) and doubling included, so no branch
// ever asks which case the (secret) inputs fall in.

/// A point of P-256, possibly the identity.
public struct PureP256Point: Sendable {
    var x: FieldElement
    var y: FieldElement
    var z: FieldElement

    /// The identity (0 : 1 : 0).
    static var identity: PureP256Point { PureP256Point(x: .zero, y: .one, z: .zero) }

    /// The generator G.
    static var generator: PureP256Point {
        PureP256Point(x: CurveConstants.generatorX, y: CurveConstants.generatorY, z: .one)
    }

    /// The affine point (x, y), which the caller has checked is on the curve.
    init(affineX: FieldElement, affineY: FieldElement) {
        x = affineX
        y = affineY
        z = .one
    }

    init(x: FieldElement, y: FieldElement, z: FieldElement) {
        self.x = x
        self.y = y
        self.z = z
    }

    /// All ones for the identity (Z = 0).
    var isIdentityMask: Mask { z.isZeroMask }

    /// `self + other`, complete (RCB algorithm 4, a = -3).
    func adding(_ other: PureP256Point) -> PureP256Point {
        let b = CurveConstants.b
        let xx = x * other.x
        let yy = y * other.y
        let zz = z * other.z
        let xyPairs = (x + y) * (other.x + other.y) - (xx + yy)
        let yzPairs = (y + z) * (other.y + other.z) - (yy + zz)
        let xzPairs = (x + z) * (other.x + other.z) - (xx + zz)
        let bzzPart = xzPairs - b * zz
        let bzz3Part = bzzPart.doubled + bzzPart
        let yyMinusBzz3 = yy - bzz3Part
        let yyPlusBzz3 = yy + bzz3Part
        let zz3 = zz.doubled + zz
        let bxzPart = b * xzPairs - (zz3 + xx)
        let bxz3Part = bxzPart.doubled + bxzPart
        let xx3MinusZz3 = xx.doubled + xx - zz3
        return PureP256Point(
            x: yyPlusBzz3 * xyPairs - yzPairs * bxz3Part,
            y: yyPlusBzz3 * yyMinusBzz3 + xx3MinusZz3 * bxz3Part,
            z: yyMinusBzz3 * yzPairs + xyPairs * xx3MinusZz3)
    }

    /// `2·self`, exception-free (RCB algorithm 6, a = -3).
    func doubled() -> PureP256Point {
        let b = CurveConstants.b
        let xx = x.squared
        let yy = y.squared
        let zz = z.squared
        let xy2 = (x * y).doubled
        let xz2 = (x * z).doubled
        let bzzPart = b * zz - xz2
        let bzz3Part = bzzPart.doubled + bzzPart
        let yyMinusBzz3 = yy - bzz3Part
        let yyPlusBzz3 = yy + bzz3Part
        let yFragment = yyPlusBzz3 * yyMinusBzz3
        let xFragment = yyMinusBzz3 * xy2
        let zz3 = zz.doubled + zz
        let bxz2Part = b * xz2 - (zz3 + xx)
        let bxz6Part = bxz2Part.doubled + bxz2Part
        let xx3MinusZz3 = xx.doubled + xx - zz3
        let yz2 = (y * z).doubled
        return PureP256Point(
            x: xFragment - bxz6Part * yz2,
            y: yFragment + xx3MinusZz3 * bxz6Part,
            z: (yz2 * yy).doubled.doubled)
    }

    /// `-self`.
    func negated() -> PureP256Point { PureP256Point(x: x, y: -y, z: z) }

    /// `mask ? a : b`.
    static func select(_ mask: Mask, _ a: PureP256Point, _ b: PureP256Point) -> PureP256Point {
        PureP256Point(x: .select(mask, a.x, b.x), y: .select(mask, a.y, b.y), z: .select(mask, a.z, b.z))
    }

    /// `scalar·self` with a fixed 4-bit window: 64 windows, each 4 doublings and one addition of a table
    /// entry. The entry is fetched by reading all 16 and keeping one with a mask, so neither the memory
    /// address touched nor any branch depends on the scalar's bits; the complete formulas absorb the
    /// zero window (adding the identity) without a special case.
    public func multiplied(by scalar: PureP256Scalar) -> PureP256Point {
        let k = scalar.canonical
        var table = [PureP256Point](repeating: .identity, count: 16)
        table[1] = self
        for i in 2..<16 {
            table[i] = i % 2 == 0 ? table[i / 2].doubled() : table[i - 1].adding(self)
        }
        var result = PureP256Point.identity
        for window in stride(from: 63, through: 0, by: -1) {
            result = result.doubled().doubled().doubled().doubled()
            let digit = (k[window / 16] >> UInt64(4 * (window % 16))) & 0xF
            var chosen = PureP256Point.identity
            for i in 0..<16 {
                chosen = .select((digit ^ UInt64(i)).isZeroMask, table[i], chosen)
            }
            result = result.adding(chosen)
        }
        return result
    }

    /// The affine coordinates; nil for the identity. Z⁻¹ by Fermat, in constant time; only the final
    /// identity check branches, and it reveals only that the result is the identity, which every
    /// caller refuses.
    func affine() -> (x: FieldElement, y: FieldElement)? {
        guard isIdentityMask == 0 else { return nil }
        let zInverse = z.inverse
        return (x * zInverse, y * zInverse)
    }

    /// X || Y || Z of the projective representation, 96 bytes, without inverting Z or branching:
    /// what the constant-time check declassifies (it is not a canonical encoding of the point).
    public var projectiveBytes: [UInt8] { x.bytes + y.bytes + z.bytes }

    /// Compressed SEC1 (33 bytes); nil for the identity.
    public var compressed: [UInt8]? {
        guard let (ax, ay) = affine() else { return nil }
        return [0x02 | UInt8(truncatingIfNeeded: ay.parity)] + ax.bytes
    }

    /// Uncompressed SEC1 (65 bytes); nil for the identity.
    public var uncompressed: [UInt8]? {
        guard let (ax, ay) = affine() else { return nil }
        return [0x04] + ax.bytes + ay.bytes
    }

    /// Decodes compressed (33 bytes, 02/03) or uncompressed (65 bytes, 04) SEC1. Refuses coordinates
    /// not below p, points off the curve, and the identity (which has no affine encoding; a lone 00 is
    /// refused as a wrong length). Encodings are public, so refusals may branch.
    public init?(sec1 bytes: [UInt8]) {
        if bytes.count == 33, bytes[0] == 0x02 || bytes[0] == 0x03 {
            guard let ax = FieldElement(bytes: bytes, offset: 1) else { return nil }
            let rhs = CurveConstants.rightHandSide(ax)
            var ay = rhs.squareRootCandidate
            guard ay.squared.equalMask(rhs) != 0 else { return nil }
            // y = 0 has no twin of the other parity; P-256 has no such point (odd order).
            if ay.parity != UInt64(bytes[0] & 1) { ay = -ay }
            guard ay.parity == UInt64(bytes[0] & 1) else { return nil }
            self.init(affineX: ax, affineY: ay)
        } else if bytes.count == 65, bytes[0] == 0x04 {
            guard let ax = FieldElement(bytes: bytes, offset: 1), let ay = FieldElement(bytes: bytes, offset: 33),
                  ay.squared.equalMask(CurveConstants.rightHandSide(ax)) != 0
            else { return nil }
            self.init(affineX: ax, affineY: ay)
        } else {
            return nil
        }
    }

    /// `scalar·G`.
    public static func generatorMultiple(_ scalar: PureP256Scalar) -> PureP256Point {
        generator.multiplied(by: scalar)
    }
}
