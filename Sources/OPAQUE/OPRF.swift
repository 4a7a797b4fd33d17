/// RFC 9497 OPRF in mode 0 (`modeOPRF`) over a ciphersuite's group and hash: the client blinds and
/// finalizes, the server evaluates with a key it can derive from a seed.
///
/// Every random value is an input, so runs can be replayed against test vectors.
public struct OPRF<Suite: OPAQUECiphersuite> {
    /// An element of the suite's group.
    public typealias Element = Suite.Group.Element
    /// A scalar of the suite's group.
    public typealias Scalar = Suite.Group.Scalar

    /// The ciphersuite whose group and hash the OPRF runs on.
    public let suite: Suite

    /// The OPRF of `suite`.
    public init(suite: Suite) { self.suite = suite }

    /// `"OPRFV1-" || I2OSP(mode, 1) || "-" || identifier` with mode 0 (RFC 9497 §3.1).
    public var contextString: [UInt8] { ascii("OPRFV1-") + [0x00] + ascii("-") + suite.oprfIdentifier }

    /// Blind(input, blind): hashes the input to the group and multiplies by the blind.
    /// `blind` must be a non-zero scalar drawn uniformly at random; the identity is refused, and so
    /// is an input longer than Finalize can encode (65535 bytes).
    public func blind(_ input: [UInt8], blind: Scalar) throws(OPAQUEError) -> Element {
        guard input.count <= Int(UInt16.max) else { throw .invalidLength }
        let inputElement = try suite.group.hashToGroup(input, dst: ascii("HashToGroup-") + contextString)
        return try suite.group.multiply(inputElement, by: blind)
    }

    /// BlindEvaluate(skS, blindedElement): the server's one multiplication.
    public func blindEvaluate(key: Scalar, blindedElement: Element) throws(OPAQUEError) -> Element {
        try suite.group.multiply(blindedElement, by: key)
    }

    /// Finalize(input, blind, evaluatedElement): unblinds and hashes to the OPRF output (`Nh` bytes).
    public func finalize(_ input: [UInt8], blind: Scalar, evaluatedElement: Element) throws(OPAQUEError) -> [UInt8] {
        let unblinded = try suite.group.multiply(evaluatedElement, by: try suite.group.invert(blind))
        let encoded = suite.group.serialize(unblinded)
        return suite.hash(try lengthPrefixed(input) + (try lengthPrefixed(encoded)) + ascii("Finalize"))
    }

    /// The private half of DeriveKeyPair(seed, info) (RFC 9497 §3.2.1), without the generator
    /// multiplication a server that never publishes its OPRF key does not need.
    public func derivePrivateKey(seed: [UInt8], info: [UInt8]) throws(OPAQUEError) -> Scalar {
        let deriveInput = seed + (try lengthPrefixed(info))
        let dst = ascii("DeriveKeyPair") + contextString
        var counter: UInt8 = 0
        while true {
            let candidate = try suite.group.hashToScalar(deriveInput + [counter], dst: dst)
            if !suite.group.isZero(candidate) { return candidate }
            guard counter < 255 else { throw .deriveKeyPairError }
            counter += 1
        }
    }

    /// DeriveKeyPair(seed, info): the private key and its public key `skS * G`.
    public func deriveKeyPair(seed: [UInt8], info: [UInt8]) throws(OPAQUEError) -> OPAQUEKeyPair<Suite> {
        let privateKey = try derivePrivateKey(seed: seed, info: info)
        return OPAQUEKeyPair(privateKey: privateKey, publicKey: try suite.group.multiplyGenerator(by: privateKey),
                             suite: suite)
    }
}
