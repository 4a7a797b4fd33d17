/// RFC 9497 OPRF in mode 0 (`modeOPRF`) over a ciphersuite's group and hash: the client blinds and
/// finalizes, the server evaluates with a key it can derive from a seed.
///
/// Every random value is an input, so runs can be replayed against test vectors.
public struct OPRF<Suite: OPAQUECiphersuite> {
    public typealias Element = Suite.Group.Element
    public typealias Scalar = Suite.Group.Scalar

    /// The ciphersuite whose group and hash the OPRF runs on.
    public let suite: Suite

    public init(suite: Suite) { self.suite = suite }

    /// `"OPRFV1-" || I2OSP(mode, 1) || "-" || identifier` with mode 0 (RFC 9497 §3.1).
    public var contextString: [UInt8] { ascii("OPRFV1-") + [0x00] + ascii("-") + suite.oprfIdentifier }

    /// Blind(input, blind): hashes the input to the group and multiplies by the blind.
    /// `blind` must be a non-zero scalar drawn uniformly at random; the identity is refused.
    public func blind(_ input: [UInt8], blind: Scalar) throws(OPAQUEError) -> Element {
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

/// A private scalar with its public element and the element's encoding: a server's long-term
/// AKE key, a client's envelope key, or an ephemeral key share.
public struct OPAQUEKeyPair<Suite: OPAQUECiphersuite> {
    /// The private scalar (wiped by the group's scalar type when released).
    public let privateKey: Suite.Group.Scalar
    /// The public element `privateKey * G`.
    public let publicElement: Suite.Group.Element
    /// The serialized public key (`Npk` bytes).
    public let publicKey: [UInt8]

    init(privateKey: Suite.Group.Scalar, publicKey: Suite.Group.Element, suite: Suite) {
        self.privateKey = privateKey
        self.publicElement = publicKey
        self.publicKey = suite.group.serialize(publicKey)
    }

    /// A key pair from a serialized private key (`Nsk` bytes, non-zero, below the group order).
    public init(privateKey bytes: SecretBytes, suite: Suite) throws(OPAQUEError) {
        let scalar = try suite.group.deserializeScalar(bytes.bytes)
        self.init(privateKey: scalar, publicKey: try suite.group.multiplyGenerator(by: scalar), suite: suite)
    }

    /// DeriveDiffieHellmanKeyPair(seed) of RFC 9807 §6.4.1: the OPRF's DeriveKeyPair with the info
    /// `"OPAQUE-DeriveDiffieHellmanKeyPair"`. Used for key shares and the client's envelope key.
    public init(diffieHellmanSeed seed: SecretBytes, suite: Suite) throws(OPAQUEError) {
        self = try OPRF(suite: suite).deriveKeyPair(seed: seed.bytes, info: ascii("OPAQUE-DeriveDiffieHellmanKeyPair"))
    }

    /// The serialized private key, for storage.
    public func privateKeyBytes(suite: Suite) -> SecretBytes { SecretBytes(suite.group.serialize(privateKey)) }
}
