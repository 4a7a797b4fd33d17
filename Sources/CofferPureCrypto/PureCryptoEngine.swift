// The firmware's CryptoEngine HAL on the pure-Swift primitives: what a board without OpenSSL plugs in.

import CofferFirmware
import OPAQUE

/// The chip's crypto engine in plain Swift (Embedded-clean): OPAQUE P256-SHA256, AES-256-GCM,
/// HKDF-SHA256 and ECDSA P-256 with RFC 6979 nonces. Every refusal reaches the firmware as
/// `HALError.cryptoFailure`.
public struct PureCryptoEngine: CryptoEngine, Sendable {
    /// The OPAQUE-3DH ciphersuite.
    public let suite = PureP256SHA256Suite()

    public init() {}

    public func sealAESGCM(key: [UInt8], nonce: [UInt8], plaintext: [UInt8], aad: [UInt8]) throws(HALError)
        -> [UInt8]
    {
        do { return try PureAESGCM.seal(plaintext, key: key, nonce: nonce, aad: aad) } catch { throw .cryptoFailure }
    }

    public func openAESGCM(key: [UInt8], nonce: [UInt8], sealed: [UInt8], aad: [UInt8]) throws(HALError)
        -> [UInt8]
    {
        do { return try PureAESGCM.open(sealed, key: key, nonce: nonce, aad: aad) } catch { throw .cryptoFailure }
    }

    /// HKDF-SHA256. The firmware asks only for short fixed lengths; above 8160 bytes is a firmware bug.
    public func hkdf(ikm: [UInt8], salt: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        guard let output = PureHKDFSHA256.deriveKey(ikm: ikm, salt: salt, info: info, length: length) else {
            preconditionFailure("HKDF-SHA256 output length outside 0...8160")
        }
        return output
    }

    public func ecdsaPublicKey(privateKey: [UInt8]) throws(HALError) -> [UInt8] {
        do { return try PureECDSA.publicKey(privateKey: privateKey) } catch { throw .cryptoFailure }
    }

    public func ecdsaSign(privateKey: [UInt8], message: [UInt8]) throws(HALError) -> [UInt8] {
        do { return try PureECDSA.sign(privateKey: privateKey, message: message) } catch { throw .cryptoFailure }
    }

    public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool { pureConstantTimeEqual(a, b) }

    public func sha256(_ message: [UInt8]) -> [UInt8] { PureSHA256.hash(message) }

    public func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        PureHMACSHA256.authenticationCode(for: message, key: key)
    }

    /// Compressed keys only: the firmware never sees another form, so no other is accepted.
    public func ecdsaVerify(publicKey: [UInt8], message: [UInt8], signature: [UInt8]) -> Bool {
        guard publicKey.count == 33 else { return false }
        do {
            try PureECDSA.verify(signature: signature, message: message, publicKey: publicKey)
            return true
        } catch {
            return false
        }
    }

    /// The multiplication is the constant-time fixed-window one; only the decoding of the (public) peer
    /// key and the final identity check branch.
    public func ecdhP256(privateKey: [UInt8], peerPublicKey: [UInt8]) throws(HALError) -> [UInt8] {
        guard peerPublicKey.count == 33, let peer = PureP256Point(sec1: peerPublicKey),
              let scalar = PureP256Scalar(bytes: privateKey),
              let shared = peer.multiplied(by: scalar).affine()
        else { throw .cryptoFailure }
        return shared.x.bytes
    }

    public func aesKeyWrapPadded(kek: [UInt8], plaintext: [UInt8]) throws(HALError) -> [UInt8] {
        do { return try PureAESKeyWrap.wrap(plaintext, kek: kek) } catch { throw .cryptoFailure }
    }

    public func aesKeyUnwrapPadded(kek: [UInt8], wrapped: [UInt8]) throws(HALError) -> [UInt8] {
        do { return try PureAESKeyWrap.unwrap(wrapped, kek: kek) } catch { throw .cryptoFailure }
    }
}
