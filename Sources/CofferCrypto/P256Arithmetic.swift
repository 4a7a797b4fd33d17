// Points and scalars of P-256 as libcrypto objects, and the group operations on them. Elements
// stay EC_POINTs from decoding to encoding so no step pays for a needless conversion.

internal import COpenSSL

/// A point of P-256 other than the identity, held as an `EC_POINT` on the shared named-curve group.
/// Immutable; wiped on release because Diffie-Hellman results are secrets too.
public final class P256Element: @unchecked Sendable {
    let point: OpaquePointer

    init(owning point: OpaquePointer) { self.point = point }

    deinit { EC_POINT_clear_free(point) }
}

/// A scalar modulo the P-256 group order, held as a `BIGNUM` flagged for constant-time use.
/// Immutable; wiped on release.
public final class P256Scalar: @unchecked Sendable {
    let value: OpaquePointer

    init(owning value: OpaquePointer) {
        BN_set_flags(value, BN_FLG_CONSTTIME)
        self.value = value
    }

    deinit { BN_clear_free(value) }
}

@inline(__always)
func requireOne(_ rc: Int32) throws(CryptoError) {
    guard rc == 1 else { discardLibcryptoErrors(); throw .libcryptoFailure }
}

extension P256Curve {
    static let elementLength = 33
    static let scalarLength = 32
    static let coordinateLength = 32

    func newElement() throws(CryptoError) -> P256Element {
        guard let point = EC_POINT_new(group) else { throw .libcryptoFailure }
        return P256Element(owning: point)
    }

    func newScalar() throws(CryptoError) -> P256Scalar {
        guard let value = BN_new() else { throw .libcryptoFailure }
        return P256Scalar(owning: value)
    }

    /// Refuses the identity: in a prime-order group it only appears from hostile or broken input.
    private func refuseIdentity(_ element: P256Element) throws(CryptoError) -> P256Element {
        guard EC_POINT_is_at_infinity(group, element.point) == 0 else { throw .invalidPoint }
        return element
    }

    func multiply(_ element: P256Element, by scalar: P256Scalar) throws(CryptoError) -> P256Element {
        let result = try newElement()
        try withContext { ctx throws(CryptoError) in
            try requireOne(EC_POINT_mul(group, result.point, nil, element.point, scalar.value, ctx))
        }
        return try refuseIdentity(result)
    }

    func multiplyGenerator(by scalar: P256Scalar) throws(CryptoError) -> P256Element {
        let result = try newElement()
        try withContext { ctx throws(CryptoError) in
            try requireOne(EC_POINT_mul(group, result.point, scalar.value, nil, nil, ctx))
        }
        return try refuseIdentity(result)
    }

    /// `a + b`; the identity (a = -b) is refused, as hash_to_curve's caller would refuse it anyway.
    func add(_ a: P256Element, _ b: P256Element) throws(CryptoError) -> P256Element {
        let result = try newElement()
        try withContext { ctx throws(CryptoError) in
            try requireOne(EC_POINT_add(group, result.point, a.point, b.point, ctx))
        }
        return try refuseIdentity(result)
    }

    /// `s^(n-2) mod n` with a constant-time exponentiation, so the blind's inverse leaks nothing.
    func invert(_ scalar: P256Scalar) throws(CryptoError) -> P256Scalar {
        guard BN_is_zero(scalar.value) == 0 else { throw .invalidScalar }
        let result = try newScalar()
        try withContext { ctx throws(CryptoError) in
            try requireOne(BN_mod_exp_mont_consttime(
                result.value, scalar.value, orderMinusTwo, order, ctx, orderMontgomery))
        }
        return result
    }

    func isZero(_ scalar: P256Scalar) -> Bool { BN_is_zero(scalar.value) == 1 }

    /// Compressed SEC1 encoding, 33 bytes.
    func encode(_ element: P256Element) throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.elementLength)
        let written = try withContext { ctx throws(CryptoError) in
            out.withUnsafeMutableBufferPointer { buffer in
                EC_POINT_point2oct(group, element.point, POINT_CONVERSION_COMPRESSED, buffer.baseAddress,
                                   buffer.count, ctx)
            }
        }
        guard written == Self.elementLength else { discardLibcryptoErrors(); throw .libcryptoFailure }
        return out
    }

    /// Decodes a compressed SEC1 point: 33 bytes, prefix 02/03, x below p, on the curve.
    ///
    /// The square root is taken here, with the field's Montgomery context built once, rather than by
    /// EC_POINT_oct2point, whose generic BN_mod_sqrt rebuilds that context on every call: a server
    /// login decodes three points, so this is a measurable share of its cost. Encodings are public
    /// (blinded elements, key shares, public keys), so the variable-time exponentiation is used.
    func decodeElement(_ bytes: [UInt8]) throws(CryptoError) -> P256Element {
        guard bytes.count == Self.elementLength else { throw .invalidLength }
        guard bytes[0] == 0x02 || bytes[0] == 0x03 else { throw .invalidPoint }
        let element = try newElement()
        try withContext { ctx throws(CryptoError) in
            BN_CTX_start(ctx)
            defer { BN_CTX_end(ctx) }
            guard let x = BN_CTX_get(ctx), let y = BN_CTX_get(ctx), let rhs = BN_CTX_get(ctx),
                  let square = BN_CTX_get(ctx) else { throw .libcryptoFailure }
            try Self.load(Array(bytes[1...]), into: x)
            guard BN_cmp(x, prime) < 0 else { throw .invalidPoint }
            // y² = x³ + a·x + b; p = 3 mod 4, so a root, if any, is rhs^((p+1)/4).
            try requireOne(BN_mod_sqr(rhs, x, prime, ctx))
            try requireOne(BN_mod_add(rhs, rhs, a, prime, ctx))
            try requireOne(BN_mod_mul(rhs, rhs, x, prime, ctx))
            try requireOne(BN_mod_add(rhs, rhs, b, prime, ctx))
            try requireOne(BN_mod_exp_mont(y, rhs, sqrtExponent, prime, ctx, primeMontgomery))
            try requireOne(BN_mod_sqr(square, y, prime, ctx))
            guard BN_cmp(square, rhs) == 0 else { throw .invalidPoint }
            if BN_is_odd(y) != Int32(bytes[0] & 1) {
                // y = 0 has no odd twin; P-256 has no such point anyway (its order is odd).
                guard BN_is_zero(y) == 0 else { throw .invalidPoint }
                try requireOne(BN_sub(y, prime, y))
            }
            guard EC_POINT_set_affine_coordinates(group, element.point, x, y, ctx) == 1 else {
                discardLibcryptoErrors()
                throw .invalidPoint
            }
        }
        return try refuseIdentity(element)
    }

    /// The affine coordinates, each 32 bytes big-endian (for hash-to-curve vectors and tests).
    func affineCoordinates(_ element: P256Element) throws(CryptoError) -> (x: [UInt8], y: [UInt8]) {
        try withContext { ctx throws(CryptoError) in
            BN_CTX_start(ctx)
            defer { BN_CTX_end(ctx) }
            guard let x = BN_CTX_get(ctx), let y = BN_CTX_get(ctx) else { throw .libcryptoFailure }
            defer { BN_clear(x); BN_clear(y) }
            try requireOne(EC_POINT_get_affine_coordinates(group, element.point, x, y, ctx))
            return (try Self.bytes(of: x, length: Self.coordinateLength),
                    try Self.bytes(of: y, length: Self.coordinateLength))
        }
    }

    /// Big-endian, zero-padded to `length`.
    static func bytes(of value: OpaquePointer, length: Int) throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        let written = out.withUnsafeMutableBufferPointer { BN_bn2binpad(value, $0.baseAddress, Int32(length)) }
        guard written == Int32(length) else { discardLibcryptoErrors(); throw .libcryptoFailure }
        return out
    }

    /// Loads big-endian bytes into `target`.
    static func load(_ bytes: [UInt8], into target: OpaquePointer) throws(CryptoError) {
        let loaded = bytes.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), target) }
        guard loaded != nil else { discardLibcryptoErrors(); throw .libcryptoFailure }
    }

    func encode(_ scalar: P256Scalar) throws(CryptoError) -> [UInt8] {
        try Self.bytes(of: scalar.value, length: Self.scalarLength)
    }

    /// Decodes a 32-byte big-endian scalar in [1, n-1].
    func decodeScalar(_ bytes: [UInt8]) throws(CryptoError) -> P256Scalar {
        guard bytes.count == Self.scalarLength else { throw .invalidLength }
        let scalar = try newScalar()
        try Self.load(bytes, into: scalar.value)
        guard BN_is_zero(scalar.value) == 0, BN_cmp(scalar.value, order) < 0 else { throw .invalidScalar }
        return scalar
    }

    /// `OS2IP(bytes) mod n`, for hash_to_scalar. May be zero (DeriveKeyPair retries then).
    func reduceToScalar(_ bytes: [UInt8]) throws(CryptoError) -> P256Scalar {
        let scalar = try newScalar()
        try withContext { ctx throws(CryptoError) in
            BN_CTX_start(ctx)
            defer { BN_CTX_end(ctx) }
            guard let wide = BN_CTX_get(ctx) else { throw .libcryptoFailure }
            BN_set_flags(wide, BN_FLG_CONSTTIME)
            try Self.load(bytes, into: wide)
            defer { BN_clear(wide) }
            try requireOne(BN_nnmod(scalar.value, wide, order, ctx))
        }
        return scalar
    }
}
