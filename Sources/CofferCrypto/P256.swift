import OPAQUE

/// The NIST P-256 group as RFC 9497's P256-SHA256 suite uses it: elements are points other than the
/// identity, encoded compressed (SEC1, 33 bytes); scalars are integers in [1, n-1], encoded as 32
/// big-endian bytes; hash-to-group is RFC 9380's P256_XMD:SHA-256_SSWU_RO_.
///
/// Backed by libcrypto's named-curve group, created once per process, so multiplication runs on
/// OpenSSL's optimised constant-time P-256 code. Values are immutable and safe to share.
public struct P256: PrimeOrderGroup, Sendable {
    public typealias Element = P256Element
    public typealias Scalar = P256Scalar

    let curve: P256Curve

    /// The group. Cheap: every instance shares one libcrypto group.
    public init() { curve = P256Curve.shared }

    public var elementLength: Int { P256Curve.elementLength }
    public var scalarLength: Int { P256Curve.scalarLength }

    public func hashToGroup(_ input: [UInt8], dst: [UInt8]) throws(OPAQUEError) -> P256Element {
        try mapped { () throws(CryptoError) in try P256HashToCurve.hashToCurve(input, dst: dst) }
    }

    public func hashToScalar(_ input: [UInt8], dst: [UInt8]) throws(OPAQUEError) -> P256Scalar {
        try mapped { () throws(CryptoError) in try P256HashToCurve.hashToScalar(input, dst: dst) }
    }

    public func multiply(_ element: P256Element, by scalar: P256Scalar) throws(OPAQUEError) -> P256Element {
        try mapped { () throws(CryptoError) in try curve.multiply(element, by: scalar) }
    }

    public func multiplyGenerator(by scalar: P256Scalar) throws(OPAQUEError) -> P256Element {
        try mapped { () throws(CryptoError) in try curve.multiplyGenerator(by: scalar) }
    }

    public func invert(_ scalar: P256Scalar) throws(OPAQUEError) -> P256Scalar {
        try mapped { () throws(CryptoError) in try curve.invert(scalar) }
    }

    public func isZero(_ scalar: P256Scalar) -> Bool { curve.isZero(scalar) }

    /// Compressed SEC1 encoding. Elements are never the identity, so this cannot fail short of
    /// libcrypto running out of memory, which is treated like any other allocation failure.
    public func serialize(_ element: P256Element) -> [UInt8] {
        do { return try curve.encode(element) } catch { preconditionFailure("libcrypto failed to encode a point") }
    }

    public func deserializeElement(_ bytes: [UInt8]) throws(OPAQUEError) -> P256Element {
        try mapped { () throws(CryptoError) in try curve.decodeElement(bytes) }
    }

    /// 32 big-endian bytes. Scalars are always reduced, so this cannot fail.
    public func serialize(_ scalar: P256Scalar) -> [UInt8] {
        do { return try curve.encode(scalar) } catch { preconditionFailure("libcrypto failed to encode a scalar") }
    }

    public func deserializeScalar(_ bytes: [UInt8]) throws(OPAQUEError) -> P256Scalar {
        try mapped { () throws(CryptoError) in try curve.decodeScalar(bytes) }
    }

    /// `a + b` (the identity is refused).
    public func add(_ a: P256Element, _ b: P256Element) throws(CryptoError) -> P256Element {
        try curve.add(a, b)
    }

    /// The affine coordinates of a point, each 32 bytes big-endian.
    public func affineCoordinates(_ element: P256Element) throws(CryptoError) -> (x: [UInt8], y: [UInt8]) {
        try curve.affineCoordinates(element)
    }

    private func mapped<R>(_ body: () throws(CryptoError) -> R) throws(OPAQUEError) -> R {
        do { return try body() } catch { throw OPAQUEError(error) }
    }
}

extension OPAQUEError {
    /// The OPAQUE-level meaning of an engine refusal.
    init(_ error: CryptoError) {
        switch error {
        case .invalidLength: self = .invalidLength
        case .invalidPoint: self = .invalidElement
        case .invalidScalar: self = .invalidScalar
        case .authenticationFailure, .invalidParameters, .libcryptoFailure: self = .engineFailure
        }
    }
}
