// Integers modulo P-256's group order n, in the Montgomery domain. Constant time: see Limbs.swift.

/// A scalar modulo the P-256 group order n (possibly zero: hash_to_scalar may produce it), held as
/// s·2^256 mod n. Serialised as 32 big-endian bytes of the canonical value.
public struct PureP256Scalar: Sendable {
    var montgomery: Limbs

    private static var modulus: Modulus { .p256Order }

    init(montgomery: Limbs) { self.montgomery = montgomery }

    /// From a canonical integer below n.
    init(canonical value: Limbs) { montgomery = Self.modulus.toMontgomery(value) }

    /// From 32 big-endian bytes; nil unless the integer is in [1, n-1]. The refusal branches on the
    /// outcome only, which the caller reports anyway.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        let value = Limbs(bigEndian: bytes)
        let valid = value.lessThanMask(Modulus.p256Order.m) & ~value.isZeroMask
        guard valid != 0 else { return nil }
        self.init(canonical: value)
    }

    /// `OS2IP(bytes) mod n` for 48 bytes (hash_to_scalar, L = 48) or for at most 32 bytes, in constant
    /// time. May be zero.
    public init(reducing bytes: [UInt8]) {
        if bytes.count == 48 {
            self.init(canonical: Self.modulus.reduceWide(bytes))
        } else {
            let padded = [UInt8](repeating: 0, count: 32 - bytes.count) + bytes
            self.init(canonical: Self.modulus.reduceOnce(Limbs(bigEndian: padded)))
        }
    }

    /// The canonical integer.
    var canonical: Limbs { Self.modulus.fromMontgomery(montgomery) }
    /// 32 big-endian bytes.
    public var bytes: [UInt8] { canonical.bigEndianBytes }
    /// True when zero (the value leaves the constant-time domain here: callers branch on it only to
    /// refuse or retry).
    public var isZero: Bool { montgomery.isZeroMask != 0 }

    static func + (a: PureP256Scalar, b: PureP256Scalar) -> PureP256Scalar {
        PureP256Scalar(montgomery: modulus.add(a.montgomery, b.montgomery))
    }
    static func * (a: PureP256Scalar, b: PureP256Scalar) -> PureP256Scalar {
        PureP256Scalar(montgomery: modulus.multiply(a.montgomery, b.montgomery))
    }
    /// `self⁻¹ mod n` by Fermat with the public exponent n-2; zero for zero.
    var inverse: PureP256Scalar { PureP256Scalar(montgomery: Self.modulus.invert(montgomery)) }
}
