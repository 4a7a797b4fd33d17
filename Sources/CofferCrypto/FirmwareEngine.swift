// The firmware's CryptoEngine HAL implemented with libcrypto: what the emulator and host-side
// tests plug into CofferFirmware.

import CofferFirmware
import OPAQUE

/// The chip's crypto engine on a PC: the given OPAQUE suite plus AES-256-GCM, HKDF-SHA256 and
/// ECDSA P-256 from CofferCrypto. Every failure reaches the firmware as `HALError.cryptoFailure`.
public struct OpenSSLCryptoEngine<Suite: OPAQUECiphersuite>: CryptoEngine {
    /// The OPAQUE-3DH ciphersuite the firmware runs.
    public let suite: Suite

    /// An engine around `suite`.
    public init(suite: Suite) {
        self.suite = suite
    }

    public func sealAESGCM(key: [UInt8], nonce: [UInt8], plaintext: [UInt8], aad: [UInt8]) throws(HALError)
        -> [UInt8]
    {
        do {
            return try AESGCMKey(bytes: key).seal(plaintext, nonce: nonce, aad: aad)
        } catch {
            throw .cryptoFailure
        }
    }

    public func openAESGCM(key: [UInt8], nonce: [UInt8], sealed: [UInt8], aad: [UInt8]) throws(HALError)
        -> [UInt8]
    {
        do {
            return try AESGCMKey(bytes: key).open(sealed, nonce: nonce, aad: aad)
        } catch {
            throw .cryptoFailure
        }
    }

    /// HKDF-SHA256. The firmware asks only for fixed, short lengths; a length above 8160 bytes
    /// (RFC 5869's limit) is a firmware bug, so it stops rather than returning short output.
    public func hkdf(ikm: [UInt8], salt: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        do {
            return try HKDF<SHA256>.deriveKey(ikm: ikm, salt: salt, info: info, length: length)
        } catch {
            preconditionFailure("HKDF-SHA256 output length \(length) outside 0...8160")
        }
    }

    public func ecdsaPublicKey(privateKey: [UInt8]) throws(HALError) -> [UInt8] {
        do {
            return try ECDSASigningKey(scalar: privateKey).publicKey.compressedRepresentation
        } catch {
            throw .cryptoFailure
        }
    }

    public func ecdsaSign(privateKey: [UInt8], message: [UInt8]) throws(HALError) -> [UInt8] {
        do {
            return try ECDSASigningKey(scalar: privateKey).signature(for: message)
        } catch {
            throw .cryptoFailure
        }
    }

    public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        OPAQUE.constantTimeEqual(a, b)
    }

    public func sha256(_ message: [UInt8]) -> [UInt8] { SHA256.hash(message) }

    public func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        HMAC<SHA256>.authenticationCode(for: message, key: key)
    }

    /// Compressed keys only: the firmware never sees another form, so no other is accepted.
    public func ecdsaVerify(publicKey: [UInt8], message: [UInt8], signature: [UInt8]) -> Bool {
        guard publicKey.count == P256Curve.elementLength, let key = try? ECDSAVerifyingKey(sec1: publicKey) else {
            return false
        }
        return key.isValidSignature(signature, for: message)
    }

    /// The group decodes the peer key (prefix, x below p, on the curve, not the identity) and refuses an
    /// identity product, so a hostile key yields no shared secret.
    public func ecdhP256(privateKey: [UInt8], peerPublicKey: [UInt8]) throws(HALError) -> [UInt8] {
        let group = P256()
        do {
            let peer = try group.deserializeElement(peerPublicKey)
            let scalar = try group.deserializeScalar(privateKey)
            return try group.affineCoordinates(try group.multiply(peer, by: scalar)).x
        } catch {
            throw .cryptoFailure
        }
    }

    public func aesKeyWrapPadded(kek: [UInt8], plaintext: [UInt8]) throws(HALError) -> [UInt8] {
        guard kek.count == 32 else { throw .cryptoFailure }
        do { return try AESKeyWrap.wrap(SecretBytes(plaintext), kek: SecretBytes(kek)) } catch { throw .cryptoFailure }
    }

    public func aesKeyUnwrapPadded(kek: [UInt8], wrapped: [UInt8]) throws(HALError) -> [UInt8] {
        guard kek.count == 32 else { throw .cryptoFailure }
        do { return try AESKeyWrap.unwrap(wrapped, kek: SecretBytes(kek)).bytes } catch { throw .cryptoFailure }
    }
}

/// The engine holds nothing but its suite, so it is as shareable as the suite.
extension OpenSSLCryptoEngine: Sendable where Suite: Sendable {}
