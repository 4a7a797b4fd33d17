// The 3DH key schedule of RFC 9807 §6.4.2: preamble, DeriveKeys and the two MACs.

/// The keys one 3DH handshake derives. All secret; the session key is what the caller keeps.
public struct OPAQUEKeySchedule {
    /// The secret both MAC keys are derived from.
    public let handshakeSecret: SecretBytes
    /// The key the handshake establishes.
    public let sessionKey: SecretBytes
    /// `Km2`, the key of the server's MAC.
    public let serverMACKey: SecretBytes
    /// `Km3`, the key of the client's MAC.
    public let clientMACKey: SecretBytes

    /// DeriveKeys(ikm, preamble) for the concatenated Diffie-Hellman results.
    init<Suite: OPAQUECiphersuite>(suite: Suite, ikm: [UInt8], preambleHash: [UInt8]) throws(OPAQUEError) {
        let prk = suite.extract(salt: [], ikm: ikm)
        let handshake = try Self.expandLabel(suite, secret: prk, label: "HandshakeSecret", context: preambleHash)
        handshakeSecret = SecretBytes(handshake)
        sessionKey = SecretBytes(try Self.expandLabel(suite, secret: prk, label: "SessionKey", context: preambleHash))
        serverMACKey = SecretBytes(try Self.expandLabel(suite, secret: handshake, label: "ServerMAC", context: []))
        clientMACKey = SecretBytes(try Self.expandLabel(suite, secret: handshake, label: "ClientMAC", context: []))
    }

    /// Derive-Secret: Expand-Label with length `Nx`, whose info is
    /// `I2OSP(Nx, 2) || len-prefixed("OPAQUE-" || label, 1) || len-prefixed(context, 1)`.
    private static func expandLabel<Suite: OPAQUECiphersuite>(
        _ suite: Suite, secret: [UInt8], label: StaticString, context: [UInt8]
    ) throws(OPAQUEError) -> [UInt8] {
        let fullLabel = ascii("OPAQUE-") + ascii(label)
        guard fullLabel.count <= 255, context.count <= 255 else { throw .invalidLength }
        let info = twoByteLength(suite.kdfLength) + [UInt8(fullLabel.count)] + fullLabel + [UInt8(context.count)] + context
        return suite.expand(prk: secret, info: info, length: suite.kdfLength)
    }

    /// The server's MAC: `MAC(Km2, Hash(preamble))`.
    func serverMAC<Suite: OPAQUECiphersuite>(suite: Suite, preambleHash: [UInt8]) -> [UInt8] {
        suite.mac(key: serverMACKey.bytes, message: preambleHash)
    }

    /// The client's MAC: `MAC(Km3, Hash(preamble || server_mac))`.
    func clientMAC<Suite: OPAQUECiphersuite>(suite: Suite, preamble: [UInt8], serverMAC: [UInt8]) -> [UInt8] {
        suite.mac(key: clientMACKey.bytes, message: suite.hash(preamble + serverMAC))
    }
}

/// The transcript both sides MAC (RFC 9807 §6.4.2 Preamble).
func preamble(context: [UInt8], credentials: CleartextCredentials, ke1: [UInt8], credentialResponse: [UInt8],
              serverNonce: [UInt8], serverPublicKeyshare: [UInt8]) throws(OPAQUEError) -> [UInt8] {
    ascii("OPAQUEv1-") + (try lengthPrefixed(context)) + (try lengthPrefixed(credentials.clientIdentity)) + ke1
        + (try lengthPrefixed(credentials.serverIdentity)) + credentialResponse + serverNonce + serverPublicKeyshare
}
