// RFC 9380 hashing to P-256 with SHA-256: expand_message_xmd, hash_to_field, the simplified SWU map in
// straight-line form (every candidate computed, the right one kept with a mask), and the
// P256_XMD:SHA-256_SSWU_RO_ suite; plus RFC 9497's HashToScalar. The input is a password-derived
// secret in OPAQUE, so the map must not branch on it.

/// RFC 9380 hash_to_curve and hash_to_scalar for P-256 with SHA-256.
public enum PureP256HashToCurve {
    /// Bytes per field element: ceil((256 + 128) / 8).
    static let bytesPerElement = 48

    /// expand_message_xmd (RFC 9380 §5.3.1) with SHA-256; nil for lengths above 65535 or 255 blocks.
    public static func expandMessageXMD(_ message: [UInt8], dst: [UInt8], length: Int) -> [UInt8]? {
        let blocks = (length + 31) / 32
        guard length >= 0, length <= 65535, blocks <= 255 else { return nil }
        let tag = dst.count > 255 ? PureSHA256.hash(Array("H2C-OVERSIZE-DST-".utf8) + dst) : dst
        let dstPrime = tag + [UInt8(tag.count)]
        var first = PureSHA256()
        first.update([UInt8](repeating: 0, count: PureSHA256.blockLength))
        first.update(message)
        first.update([UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length), 0])
        first.update(dstPrime)
        let b0 = first.finalize()
        var block = PureSHA256.hash(b0 + [1] + dstPrime)
        var uniform = block
        var i = 2
        while i <= blocks {
            var mixed = b0
            for j in 0..<32 { mixed[j] ^= block[j] }
            block = PureSHA256.hash(mixed + [UInt8(i)] + dstPrime)
            uniform += block
            i += 1
        }
        return Array(uniform[0..<length])
    }

    /// hash_to_field (§5.2) into GF(p), two elements.
    static func hashToField(_ message: [UInt8], dst: [UInt8]) -> (FieldElement, FieldElement)? {
        guard let uniform = expandMessageXMD(message, dst: dst, length: 2 * bytesPerElement) else { return nil }
        let field = Modulus.p256Field
        return (FieldElement(canonical: field.reduceWide(Array(uniform[0..<48]))),
                FieldElement(canonical: field.reduceWide(Array(uniform[48..<96]))))
    }

    /// The two field elements of hash_to_field, each 32 bytes big-endian (for vectors).
    public static func hashToFieldBytes(_ message: [UInt8], dst: [UInt8]) -> [[UInt8]]? {
        guard let (u0, u1) = hashToField(message, dst: dst) else { return nil }
        return [u0.bytes, u1.bytes]
    }

    /// map_to_curve_simple_swu (§6.6.2) with A = -3, B = b, Z = -10, in constant time.
    static func mapToCurve(_ u: FieldElement) -> PureP256Point {
        let z = FieldElement(canonical: Limbs(0xffff_ffff_ffff_fff5, 0x0000_0000_ffff_ffff, 0, 0xffff_ffff_0000_0001))
        let minusBOverA = FieldElement(canonical: Limbs(0x6944_bebf_629b_756e, 0xcc5f_023b_441b_e5a7,
                                                         0x3bf9_3f1c_7cdd_823e, 0x7397_6747_e368_dbf8))
        let bOverZA = FieldElement(canonical: Limbs(0xbdba_1313_2375_f224, 0x146f_e6a0_2069_3090,
                                                     0x6c65_b982_d949_59d3, 0xa528_bd86_96bd_af99))
        let t = z * u.squared
        let denominator = t.squared + t
        // x1 = (-B/A)(1 + 1/denominator), or B/(Z·A) when the denominator is zero (inv0 gives 0 there).
        let x1 = FieldElement.select(denominator.isZeroMask, bOverZA,
                                     minusBOverA * (FieldElement.one + denominator.inverse))
        let gx1 = CurveConstants.rightHandSide(x1)
        let x2 = t * x1
        let gx2 = CurveConstants.rightHandSide(x2)
        let y1 = gx1.squareRootCandidate
        let y2 = gx2.squareRootCandidate
        let gx1IsSquare = y1.squared.equalMask(gx1)
        let x = FieldElement.select(gx1IsSquare, x1, x2)
        var y = FieldElement.select(gx1IsSquare, y1, y2)
        // sgn0(y) must equal sgn0(u): negate under a mask when the parities differ.
        y = FieldElement.select(UInt64.mask(fromBit: u.parity ^ y.parity), -y, y)
        return PureP256Point(affineX: x, affineY: y)
    }

    /// The single-element map, exposed for vectors: u as 32 big-endian bytes below p.
    public static func mapToCurve(bytes: [UInt8]) -> PureP256Point? {
        guard bytes.count == 32, let u = FieldElement(bytes: bytes) else { return nil }
        return mapToCurve(u)
    }

    /// hash_to_curve for P256_XMD:SHA-256_SSWU_RO_ (cofactor 1). May be the identity in principle;
    /// callers refuse it.
    public static func hashToCurve(_ message: [UInt8], dst: [UInt8]) -> PureP256Point? {
        guard let (u0, u1) = hashToField(message, dst: dst) else { return nil }
        return mapToCurve(u0).adding(mapToCurve(u1))
    }

    /// RFC 9497 HashToScalar for P-256: one element of hash_to_field modulo n (L = 48). May be zero.
    public static func hashToScalar(_ message: [UInt8], dst: [UInt8]) -> PureP256Scalar? {
        guard let uniform = expandMessageXMD(message, dst: dst, length: bytesPerElement) else { return nil }
        return PureP256Scalar(reducing: uniform)
    }
}

extension PureP256Point {
    /// The affine coordinates as 32-byte big-endian strings; nil for the identity (for vectors).
    public var affineCoordinates: (x: [UInt8], y: [UInt8])? {
        guard let (x, y) = affine() else { return nil }
        return (x.bytes, y.bytes)
    }
}
