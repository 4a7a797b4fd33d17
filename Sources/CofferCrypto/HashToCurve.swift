/// RFC 9380 hashing for P-256 with SHA-256: expand_message_xmd, hash_to_field, the simplified SWU
/// map and the random-oracle suite P256_XMD:SHA-256_SSWU_RO_, plus RFC 9497's hash_to_scalar.
public enum P256HashToCurve {
    /// Bytes drawn per field element: ceil((ceil(log2(p)) + k) / 8) with k = 128 (RFC 9380 §8.2).
    public static let bytesPerFieldElement = 48
    /// RFC 9380 §5.3.1 expand_message_xmd with SHA-256 (the one generic expander). Refuses lengths
    /// over 65535 bytes or needing more than 255 blocks.
    public static func expandMessageXMD(_ message: [UInt8], dst: [UInt8], length: Int) throws(CryptoError) -> [UInt8] {
        try ExpandMessageXMD<SHA256>.expand(message, dst: dst, length: length)
    }

    /// RFC 9380 §5.2 hash_to_field into GF(p) for P-256: `count` elements, each 32 bytes big-endian.
    public static func hashToField(_ message: [UInt8], dst: [UInt8], count: Int) throws(CryptoError) -> [[UInt8]] {
        guard count >= 1 else { throw .invalidParameters }
        let uniform = try expandMessageXMD(message, dst: dst, length: count * bytesPerFieldElement)
        var elements: [[UInt8]] = []
        for i in 0..<count {
            let chunk = Array(uniform[(i * bytesPerFieldElement)..<((i + 1) * bytesPerFieldElement)])
            elements.append(try P256Curve.shared.reduceToField(chunk))
        }
        return elements
    }

    /// RFC 9380 §6.6.2 simplified SWU map of one field element (32 bytes big-endian, below p;
    /// `.invalidParameters` otherwise).
    public static func mapToCurve(_ u: [UInt8]) throws(CryptoError) -> P256Element {
        try P256Curve.shared.mapToCurveSimpleSWU(u)
    }

    /// RFC 9380 hash_to_curve for P256_XMD:SHA-256_SSWU_RO_ (cofactor 1, so no clearing).
    public static func hashToCurve(_ message: [UInt8], dst: [UInt8]) throws(CryptoError) -> P256Element {
        let u = try hashToField(message, dst: dst, count: 2)
        let curve = P256Curve.shared
        return try curve.add(try curve.mapToCurveSimpleSWU(u[0]), try curve.mapToCurveSimpleSWU(u[1]))
    }

    /// RFC 9497 §4.3 HashToScalar for P-256: hash_to_field with modulus n, one element, L = 48.
    /// The result may be zero; callers that need a non-zero scalar (DeriveKeyPair) check.
    public static func hashToScalar(_ message: [UInt8], dst: [UInt8]) throws(CryptoError) -> P256Scalar {
        let uniform = try expandMessageXMD(message, dst: dst, length: bytesPerFieldElement)
        return try P256Curve.shared.reduceToScalar(uniform)
    }
}
