// The P-256 group of RFC 9497's P256-SHA256 suite on the pure-Swift arithmetic.

import OPAQUE

/// NIST P-256 as OPAQUE's prime-order group: elements are points other than the identity, encoded
/// compressed (33 bytes); scalars are integers modulo n, encoded as 32 big-endian bytes.
public struct PureP256Group: PrimeOrderGroup, Sendable {
    public typealias Element = PureP256Point
    public typealias Scalar = PureP256Scalar

    public init() {}

    public var elementLength: Int { 33 }
    public var scalarLength: Int { 32 }

    public func hashToGroup(_ input: [UInt8], dst: [UInt8]) throws(OPAQUEError) -> PureP256Point {
        guard let point = PureP256HashToCurve.hashToCurve(input, dst: dst) else { throw .invalidLength }
        return try refuseIdentity(point)
    }

    public func hashToScalar(_ input: [UInt8], dst: [UInt8]) throws(OPAQUEError) -> PureP256Scalar {
        guard let scalar = PureP256HashToCurve.hashToScalar(input, dst: dst) else { throw .invalidLength }
        return scalar
    }

    public func multiply(_ element: PureP256Point, by scalar: PureP256Scalar) throws(OPAQUEError) -> PureP256Point {
        try refuseIdentity(element.multiplied(by: scalar))
    }

    public func multiplyGenerator(by scalar: PureP256Scalar) throws(OPAQUEError) -> PureP256Point {
        try refuseIdentity(PureP256Point.generatorMultiple(scalar))
    }

    public func invert(_ scalar: PureP256Scalar) throws(OPAQUEError) -> PureP256Scalar {
        guard !scalar.isZero else { throw .invalidScalar }
        return scalar.inverse
    }

    public func isZero(_ scalar: PureP256Scalar) -> Bool { scalar.isZero }

    /// Compressed SEC1. Elements from this group are never the identity (every producer refuses it).
    public func serialize(_ element: PureP256Point) -> [UInt8] {
        guard let bytes = element.compressed else { preconditionFailure("the identity has no encoding") }
        return bytes
    }

    /// Compressed SEC1 only, as RFC 9497 serialises P-256 elements.
    public func deserializeElement(_ bytes: [UInt8]) throws(OPAQUEError) -> PureP256Point {
        guard bytes.count == elementLength else { throw .invalidLength }
        guard let point = PureP256Point(sec1: bytes) else { throw .invalidElement }
        return point
    }

    public func serialize(_ scalar: PureP256Scalar) -> [UInt8] { scalar.bytes }

    public func deserializeScalar(_ bytes: [UInt8]) throws(OPAQUEError) -> PureP256Scalar {
        guard bytes.count == scalarLength else { throw .invalidLength }
        guard let scalar = PureP256Scalar(bytes: bytes) else { throw .invalidScalar }
        return scalar
    }

    /// Refuses the identity: in a prime-order group it only comes from hostile input or a zero scalar.
    private func refuseIdentity(_ point: PureP256Point) throws(OPAQUEError) -> PureP256Point {
        guard point.isIdentityMask == 0 else { throw .invalidElement }
        return point
    }
}
