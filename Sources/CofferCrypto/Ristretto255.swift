import OPAQUE

/// An element of ristretto255 (RFC 9496), held as its canonical 32-byte encoding.
///
/// The encoding is unique per element, so it is all libsodium needs and all OPAQUE ever sends.
/// Kept in `SecretBytes` because Diffie-Hellman results are elements too, and those are secrets.
public struct Ristretto255Element: Sendable, Equatable {
    let encoding: SecretBytes

    init(encoding: SecretBytes) { self.encoding = encoding }

    /// Compares the encodings in constant time.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.encoding == rhs.encoding }
}

/// A scalar modulo the ristretto255 group order L, held as 32 little-endian bytes below L and
/// wiped on release. Zero appears only as an intermediate (HashToScalar); decoding refuses it.
public struct Ristretto255Scalar: Sendable {
    let bytes: SecretBytes

    init(bytes: SecretBytes) { self.bytes = bytes }
}

/// The ristretto255 group (RFC 9496) as RFC 9497's ristretto255-SHA512 suite uses it: elements are
/// the canonical 32-byte encodings of anything but the identity; scalars are integers in [1, L-1]
/// encoded as 32 little-endian bytes; hash-to-group is expand_message_xmd with SHA-512 to 64 bytes
/// followed by RFC 9496's one-way map; HashToScalar is expand_message_xmd with SHA-512 to 64 bytes
/// reduced modulo L.
///
/// Backed by libsodium (`crypto_core_ristretto255_*`, `crypto_scalarmult_ristretto255*`), whose
/// group code is constant-time. Values are immutable and safe to share.
public struct Ristretto255: PrimeOrderGroup, Sendable {
    public typealias Element = Ristretto255Element
    public typealias Scalar = Ristretto255Scalar

    /// `Noe`: bytes of an encoded element.
    public static let encodedElementLength = 32
    /// `Nok`: bytes of an encoded scalar.
    public static let encodedScalarLength = 32
    /// Bytes the one-way map and the wide scalar reduction take (RFC 9496 §4.3.4, RFC 9497 §4.1).
    public static let uniformBytesLength = 64

    /// The group. Cheap: it only makes sure libsodium is initialised.
    public init() { Sodium.ensureInitialised() }

    public var elementLength: Int { Self.encodedElementLength }
    public var scalarLength: Int { Self.encodedScalarLength }

    /// The generator B of RFC 9496 §4.4.
    public var generator: Ristretto255Element {
        do {
            return try Ristretto255Backend.multiplyBase(Self.scalarOne)
        } catch {
            preconditionFailure("libsodium failed to compute 1·B")
        }
    }

    /// HashToGroup of RFC 9497 §4.1: `Element.map_to_group(expand_message_xmd(input, dst, 64))`.
    public func hashToGroup(_ input: [UInt8], dst: [UInt8]) throws(OPAQUEError) -> Ristretto255Element {
        try mapped { () throws(CryptoError) in
            try elementFromUniformBytes(try Self.expand(input, dst: dst))
        }
    }

    /// HashToScalar of RFC 9497 §4.1: `expand_message_xmd(input, dst, 64)` as a little-endian integer
    /// reduced modulo L. The result may be zero; DeriveKeyPair checks.
    public func hashToScalar(_ input: [UInt8], dst: [UInt8]) throws(OPAQUEError) -> Ristretto255Scalar {
        try mapped { () throws(CryptoError) in
            try reduceScalar(try Self.expand(input, dst: dst))
        }
    }

    public func multiply(_ element: Ristretto255Element, by scalar: Ristretto255Scalar)
        throws(OPAQUEError) -> Ristretto255Element
    {
        try mapped { () throws(CryptoError) in try Ristretto255Backend.multiply(element, by: scalar) }
    }

    public func multiplyGenerator(by scalar: Ristretto255Scalar) throws(OPAQUEError) -> Ristretto255Element {
        try mapped { () throws(CryptoError) in try Ristretto255Backend.multiplyBase(scalar) }
    }

    public func invert(_ scalar: Ristretto255Scalar) throws(OPAQUEError) -> Ristretto255Scalar {
        try mapped { () throws(CryptoError) in try Ristretto255Backend.invert(scalar) }
    }

    /// Constant-time: OPAQUE asks this of secret scalars.
    public func isZero(_ scalar: Ristretto255Scalar) -> Bool {
        scalar.bytes.withUnsafeBytes { bytes in
            var accumulated: UInt8 = 0
            for byte in bytes { accumulated |= byte }
            return accumulated == 0
        }
    }

    /// The canonical encoding (RFC 9496 §4.3.2).
    public func serialize(_ element: Ristretto255Element) -> [UInt8] { element.encoding.bytes }

    /// Decodes an element as RFC 9497 §2.1 requires: exactly 32 bytes, the canonical encoding of a
    /// ristretto255 element (RFC 9496 §4.3.1 refuses non-canonical field elements, negative `s`,
    /// non-square `x²`, negative `x·y` and `y = 0`), and not the identity.
    public func deserializeElement(_ bytes: [UInt8]) throws(OPAQUEError) -> Ristretto255Element {
        try mapped { () throws(CryptoError) in try decodeElement(bytes) }
    }

    /// 32 little-endian bytes.
    public func serialize(_ scalar: Ristretto255Scalar) -> [UInt8] { scalar.bytes.bytes }

    /// Decodes a scalar: exactly 32 little-endian bytes encoding an integer in [1, L-1]. A value of
    /// L or above is refused rather than reduced, since a second encoding of the same scalar is
    /// as much a malformed input as a second encoding of an element.
    public func deserializeScalar(_ bytes: [UInt8]) throws(OPAQUEError) -> Ristretto255Scalar {
        guard bytes.count == Self.encodedScalarLength else { throw .invalidLength }
        guard Self.isBelowOrder(bytes) else { throw .invalidScalar }
        let scalar = Ristretto255Scalar(bytes: SecretBytes(bytes))
        guard !isZero(scalar) else { throw .invalidScalar }
        return scalar
    }

    // MARK: Beyond OPAQUE's needs: the group law and the map, for tests and vectors.

    /// Decodes an element, refusing the identity and every non-canonical encoding.
    public func decodeElement(_ bytes: [UInt8]) throws(CryptoError) -> Ristretto255Element {
        guard bytes.count == Self.encodedElementLength else { throw .invalidLength }
        // The identity's only canonical encoding is 32 zero bytes; libsodium accepts it as valid.
        guard !OPAQUE.constantTimeEqual(bytes, [UInt8](repeating: 0, count: Self.encodedElementLength)) else {
            throw .invalidPoint
        }
        guard Ristretto255Backend.isCanonicalEncoding(bytes) else { throw .invalidPoint }
        return Ristretto255Element(encoding: SecretBytes(bytes))
    }

    /// RFC 9496 §4.3.4's one-way map (`element_derivation`) of 64 uniform bytes. The identity, which
    /// the map reaches with negligible probability, is refused like everywhere else.
    public func elementFromUniformBytes(_ bytes: [UInt8]) throws(CryptoError) -> Ristretto255Element {
        guard bytes.count == Self.uniformBytesLength else { throw .invalidLength }
        return try Ristretto255Backend.fromUniformBytes(bytes)
    }

    /// `a + b`; a sum that is the identity is refused.
    public func add(_ a: Ristretto255Element, _ b: Ristretto255Element) throws(CryptoError) -> Ristretto255Element {
        try Ristretto255Backend.add(a, b)
    }

    /// `a - b`; a difference that is the identity (a = b) is refused.
    public func subtract(_ a: Ristretto255Element, _ b: Ristretto255Element) throws(CryptoError)
        -> Ristretto255Element
    {
        try Ristretto255Backend.subtract(a, b)
    }

    /// A 64-byte little-endian integer reduced modulo L (may be zero).
    public func reduceScalar(_ wide: [UInt8]) throws(CryptoError) -> Ristretto255Scalar {
        guard wide.count == Self.uniformBytesLength else { throw .invalidLength }
        return Ristretto255Backend.reduce(wide)
    }

    /// `a + b mod L`, for the algebra of tests.
    public func addScalars(_ a: Ristretto255Scalar, _ b: Ristretto255Scalar) -> Ristretto255Scalar {
        Ristretto255Backend.addScalars(a, b)
    }

    /// `a · b mod L`.
    public func multiplyScalars(_ a: Ristretto255Scalar, _ b: Ristretto255Scalar) -> Ristretto255Scalar {
        Ristretto255Backend.multiplyScalars(a, b)
    }

    /// expand_message_xmd with SHA-512 to 64 bytes, from a kept state that has absorbed `Z_pad`.
    private static func expand(_ input: [UInt8], dst: [UInt8]) throws(CryptoError) -> [UInt8] {
        try ExpandMessageXMD<SHA512>.expand(input, dst: dst, length: uniformBytesLength, zeroPadded: zeroPadded)
    }

    private static let zeroPadded = ExpandMessageXMD<SHA512>.zeroPadded()

    /// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    public static let order: [UInt8] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ]

    static let scalarOne = Ristretto255Scalar(bytes: SecretBytes([1] + [UInt8](repeating: 0, count: 31)))

    /// `value < L` for 32 little-endian bytes, in constant time: the borrow out of `value - L`.
    static func isBelowOrder(_ value: [UInt8]) -> Bool {
        precondition(value.count == encodedScalarLength, "scalar of the wrong length")
        var borrow = 0
        for i in 0..<encodedScalarLength {
            let difference = Int(value[i]) - Int(order[i]) - borrow
            borrow = (difference >> 8) & 1
        }
        return borrow == 1
    }

    private func mapped<R>(_ body: () throws(CryptoError) -> R) throws(OPAQUEError) -> R {
        do { return try body() } catch { throw OPAQUEError(error) }
    }
}
