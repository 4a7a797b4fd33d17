// The key pairs OPAQUE-3DH uses: long-term AKE keys, the client's envelope key and key shares.

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
