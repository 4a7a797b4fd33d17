/// RFC 9380 hashing for P-256 with SHA-256: expand_message_xmd, hash_to_field, the simplified SWU
/// map and the random-oracle suite P256_XMD:SHA-256_SSWU_RO_, plus RFC 9497's hash_to_scalar.
public enum P256HashToCurve {
    /// Bytes drawn per field element: ceil((ceil(log2(p)) + k) / 8) with k = 128 (RFC 9380 §8.2).
    public static let bytesPerFieldElement = 48
    /// SHA-256 output and block sizes (b_in_bytes, s_in_bytes).
    static let hashLength = 32
    static let blockLength = 64

    /// RFC 9380 §5.3.1 expand_message_xmd with SHA-256. A DST over 255 bytes is first hashed as
    /// §5.3.3 prescribes. Refuses lengths over 65535 bytes or needing more than 255 blocks.
    public static func expandMessageXMD(_ message: [UInt8], dst: [UInt8], length: Int) throws(CryptoError) -> [UInt8] {
        let blocks = (length + hashLength - 1) / hashLength
        guard length >= 0, length <= 65535, blocks <= 255 else { throw .invalidLength }
        let dstPrime = xmdDSTPrime(dst)
        let b0 = sha256([xmdMessagePrime(message, length: length, dstPrime: dstPrime)])
        var block = sha256([b0, [1], dstPrime])
        var uniform = block
        if blocks >= 2 {
            for i in 2...blocks {
                var mixed = b0
                for j in 0..<hashLength { mixed[j] ^= block[j] }
                block = sha256([mixed, [UInt8(i)], dstPrime])
                uniform += block
            }
        }
        return Array(uniform.prefix(length))
    }

    /// `DST_prime = DST || I2OSP(len(DST), 1)`, with an oversize DST hashed first (§5.3.3).
    public static func xmdDSTPrime(_ dst: [UInt8]) -> [UInt8] {
        let tag = dst.count > 255 ? sha256([Array("H2C-OVERSIZE-DST-".utf8), dst]) : dst
        return tag + [UInt8(tag.count)]
    }

    /// `msg_prime = Z_pad || msg || I2OSP(len_in_bytes, 2) || I2OSP(0, 1) || DST_prime`.
    public static func xmdMessagePrime(_ message: [UInt8], length: Int, dstPrime: [UInt8]) -> [UInt8] {
        [UInt8](repeating: 0, count: blockLength) + message + [UInt8(truncatingIfNeeded: length >> 8),
                                                                  UInt8(truncatingIfNeeded: length), 0] + dstPrime
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

extension P256HashToCurve {
    /// One SHA-256 over the concatenation of `parts`, without building the concatenation.
    static func sha256(_ parts: [[UInt8]]) -> [UInt8] {
        var hash = SHA256()
        for part in parts { hash.update(part) }
        return hash.finalize()
    }
}
