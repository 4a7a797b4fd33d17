// The seams through which OPAQUE reaches its cryptography. This module is pure Swift in the
// Embedded subset: generics instead of existentials, typed throws, standard library only.

/// Why an OPAQUE or OPRF operation refused its input. Extend-only: never renumber.
public enum OPAQUEError: Error, Equatable, Sendable {
    /// A byte string has the wrong length for the field it fills.
    case invalidLength
    /// Bytes that do not decode to a valid group element (off-curve, not canonical, or the identity).
    case invalidElement
    /// Bytes that do not decode to a valid scalar (zero, or not below the group order).
    case invalidScalar
    /// DeriveKeyPair found no non-zero scalar within its counter bound (RFC 9497 §3.2.1).
    case deriveKeyPairError
    /// The client could not open its envelope: wrong password or tampered registration record.
    case envelopeRecoveryError
    /// The server's MAC in KE2 did not verify.
    case serverAuthenticationError
    /// The client's MAC in KE3 did not verify.
    case clientAuthenticationError
    /// The key stretching function failed (e.g. memory limit).
    case stretchFailed
    /// The underlying crypto engine reported an internal failure.
    case engineFailure
}

/// A prime-order group as RFC 9497 §2.1 describes it, with the hash-to-group and hash-to-scalar
/// functions of its ciphersuite.
///
/// `Element` and `Scalar` are whatever representation is fastest for the engine; OPAQUE only moves
/// them between these functions. Deserialisation validates: no identity, no off-curve point,
/// no zero or out-of-range scalar.
public protocol PrimeOrderGroup {
    associatedtype Element
    associatedtype Scalar

    /// Length of a serialised element (`Noe`, also `Npk`).
    var elementLength: Int { get }
    /// Length of a serialised scalar (`Nok`, also `Nsk`).
    var scalarLength: Int { get }

    /// RFC 9380 hash_to_curve with the suite's encoding and the given domain separation tag.
    func hashToGroup(_ input: [UInt8], dst: [UInt8]) throws(OPAQUEError) -> Element
    /// RFC 9380 hash_to_field into the scalar field with the given domain separation tag.
    func hashToScalar(_ input: [UInt8], dst: [UInt8]) throws(OPAQUEError) -> Scalar

    /// `scalar * element`.
    func multiply(_ element: Element, by scalar: Scalar) throws(OPAQUEError) -> Element
    /// `scalar * G` for the group's generator.
    func multiplyGenerator(by scalar: Scalar) throws(OPAQUEError) -> Element
    /// The multiplicative inverse of a non-zero scalar modulo the group order.
    func invert(_ scalar: Scalar) throws(OPAQUEError) -> Scalar
    /// True when the scalar is zero (DeriveKeyPair retries on it).
    func isZero(_ scalar: Scalar) -> Bool

    func serialize(_ element: Element) -> [UInt8]
    func deserializeElement(_ bytes: [UInt8]) throws(OPAQUEError) -> Element
    func serialize(_ scalar: Scalar) -> [UInt8]
    func deserializeScalar(_ bytes: [UInt8]) throws(OPAQUEError) -> Scalar
}

/// An OPAQUE-3DH ciphersuite (RFC 9807 §7): OPRF group, hash, KDF, MAC and KSF.
public protocol OPAQUECiphersuite {
    associatedtype Group: PrimeOrderGroup

    var group: Group { get }
    /// RFC 9497 context identifier, e.g. `"P256-SHA256"`.
    var oprfIdentifier: [UInt8] { get }

    /// `Nh`: output length of `hash`.
    var hashLength: Int { get }
    /// `Nm`: output length of `mac`.
    var macLength: Int { get }
    /// `Nx`: output length of `extract`.
    var kdfLength: Int { get }

    func hash(_ message: [UInt8]) -> [UInt8]
    func mac(key: [UInt8], message: [UInt8]) -> [UInt8]
    /// MAC tags compared in constant time.
    func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool
    func extract(salt: [UInt8], ikm: [UInt8]) -> [UInt8]
    func expand(prk: [UInt8], info: [UInt8], length: Int) -> [UInt8]
    /// The key stretching function applied to the OPRF output.
    func stretch(_ input: [UInt8]) throws(OPAQUEError) -> [UInt8]
}
