// ECDSA over P-256 with SHA-256 (FIPS 186-5) with deterministic nonces (RFC 6979 §3.2), and the
// verification that clients run, here as a cross-check of the signer.

/// ECDSA P-256/SHA-256.
public enum PureECDSA {
    /// Why a key or signature was refused.
    public enum Failure: Error, Equatable, Sendable {
        /// A private key that is not 32 bytes in [1, n-1].
        case invalidPrivateKey
        /// A public key that does not decode to a point of the curve.
        case invalidPublicKey
        /// A signature that does not verify (or is malformed).
        case invalidSignature
    }

    /// The compressed SEC1 public key of a private scalar.
    public static func publicKey(privateKey: [UInt8]) throws(Failure) -> [UInt8] {
        guard let d = PureP256Scalar(bytes: privateKey),
              let encoded = PureP256Point.generatorMultiple(d).compressed
        else { throw .invalidPrivateKey }
        return encoded
    }

    /// Signs SHA-256(message); r || s, 32 bytes each. The nonce k comes from RFC 6979's HMAC-DRBG
    /// seeded with the key and the digest, so the same input always gives the same signature and no
    /// weak random source can leak the key.
    public static func sign(privateKey: [UInt8], message: [UInt8]) throws(Failure) -> [UInt8] {
        guard let d = PureP256Scalar(bytes: privateKey) else { throw .invalidPrivateKey }
        let digest = PureSHA256.hash(message)
        let e = PureP256Scalar(reducing: digest)
        var nonces = RFC6979Nonces(privateKey: privateKey, digestModN: e.bytes)
        defer { nonces.forget() }
        while true {
            let (r, s) = signature(nonce: nonces.next(), privateKey: d, digest: e)
            guard !r.isZero, !s.isZero else { continue }
            return r.bytes + s.bytes
        }
    }

    /// The signing equations for nonce `k`, key `d` and digest `e`: r = x(k·G) mod n and
    /// s = k⁻¹(e + r·d), with no branch or index on `k` or `d` (the identity, for k = 0 only, gives
    /// r = 0: its Z is zero and so is Z⁻¹). The caller publishes r and s, or draws another nonce when
    /// either is zero. For the constant-time check (coffer-ctgrind's `ecdsa-sign`), not for signing
    /// with a nonce of one's own: `sign` draws it.
    @_spi(ConstantTimeCheck)
    public static func signature(nonce k: PureP256Scalar, privateKey d: PureP256Scalar, digest e: PureP256Scalar)
        -> (r: PureP256Scalar, s: PureP256Scalar)
    {
        let point = PureP256Point.generatorMultiple(k)
        let r = PureP256Scalar(reducing: (point.x * point.z.inverse).bytes)
        return (r, k.inverse * (e + r * d))
    }

    /// Verifies r || s over SHA-256(message) against a SEC1 public key (compressed or uncompressed).
    /// Everything here is public, so this is not constant time beyond what the shared code gives.
    public static func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) throws(Failure) {
        guard let q = PureP256Point(sec1: publicKey) else { throw .invalidPublicKey }
        guard signature.count == 64, let r = PureP256Scalar(bytes: Array(signature[0..<32])),
              let s = PureP256Scalar(bytes: Array(signature[32..<64]))
        else { throw .invalidSignature }
        let e = PureP256Scalar(reducing: PureSHA256.hash(message))
        let w = s.inverse
        let point = PureP256Point.generatorMultiple(e * w).adding(q.multiplied(by: r * w))
        guard let x = point.affine()?.x, PureP256Scalar(reducing: x.bytes).bytes == r.bytes else {
            throw .invalidSignature
        }
    }
}

/// RFC 6979 §3.2's HMAC-DRBG for qlen = hlen = 256: candidates k in order, skipping those not in [1, n-1].
struct RFC6979Nonces {
    private var k: [UInt8]
    private var v: [UInt8]

    init(privateKey: [UInt8], digestModN: [UInt8]) {
        v = [UInt8](repeating: 0x01, count: 32)
        k = [UInt8](repeating: 0x00, count: 32)
        k = PureHMACSHA256.authenticationCode(for: v + [0x00] + privateKey + digestModN, key: k)
        v = PureHMACSHA256.authenticationCode(for: v, key: k)
        k = PureHMACSHA256.authenticationCode(for: v + [0x01] + privateKey + digestModN, key: k)
        v = PureHMACSHA256.authenticationCode(for: v, key: k)
    }

    /// The next candidate in [1, n-1]. A rejected candidate (probability about 2^-32) is visible only
    /// as a retry, which reveals nothing about the accepted one.
    mutating func next() -> PureP256Scalar {
        while true {
            v = PureHMACSHA256.authenticationCode(for: v, key: k)
            let candidate = PureP256Scalar(bytes: v)
            k = PureHMACSHA256.authenticationCode(for: v + [0x00], key: k)
            v = PureHMACSHA256.authenticationCode(for: v, key: k)
            if let candidate { return candidate }
        }
    }

    /// Overwrites K and V: whoever reads this memory later cannot derive the nonces (and so the key).
    mutating func forget() {
        wipe(&k)
        wipe(&v)
    }
}
