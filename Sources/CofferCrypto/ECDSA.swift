// ECDSA over P-256 with SHA-256 (FIPS 186-5, SEC 1): the device identity key signs, clients verify.

import OPAQUE

/// An ECDSA P-256 private key that signs SHA-256 digests of messages.
public struct ECDSASigningKey: Sendable {
    /// Length of the raw private scalar in bytes.
    public static let scalarLength = 32

    private let key: ECKeyHandle
    /// The matching public key.
    public let publicKey: ECDSAVerifyingKey

    /// The key with private scalar `scalar` (32 bytes, big-endian).
    ///
    /// - Throws: `CryptoError.invalidLength` unless 32 bytes; `CryptoError.invalidScalar` for zero
    ///   or a value not below the group order n.
    public init(scalar: SecretBytes) throws(CryptoError) {
        let (key, publicKey) = try scalar.withUnsafeBytes { (d) throws(CryptoError) in
            try ECKeyHandle.keyPair(scalar: d)
        }
        self.key = key
        self.publicKey = try ECDSAVerifyingKey(sec1: publicKey)
    }

    /// The key with private scalar `scalar` given as plain bytes (the caller owns wiping them).
    public init(scalar: [UInt8]) throws(CryptoError) {
        let (key, publicKey) = try scalar.withBytes { (d) throws(CryptoError) in try ECKeyHandle.keyPair(scalar: d) }
        self.key = key
        self.publicKey = try ECDSAVerifyingKey(sec1: publicKey)
    }

    /// Signs the SHA-256 digest of `message`; returns r || s, 32 bytes each, big-endian.
    /// The nonce comes from libcrypto's CSPRNG, so two signatures of one message differ.
    public func signature(for message: [UInt8]) throws(CryptoError) -> [UInt8] {
        try message.withBytes { (message) throws(CryptoError) in try key.sign(message) }
    }
}

/// An ECDSA P-256 public key that checks signatures over SHA-256 digests.
public struct ECDSAVerifyingKey: Sendable, Equatable {
    /// Length of a raw r || s signature in bytes.
    public static let signatureLength = 64

    private let key: ECKeyHandle
    /// The compressed SEC1 encoding (33 bytes: 0x02 or 0x03, then x).
    public let compressedRepresentation: [UInt8]
    /// The uncompressed SEC1 encoding (65 bytes: 0x04, x, y).
    public let uncompressedRepresentation: [UInt8]

    /// Decodes a SEC1 public key, compressed (33 bytes) or uncompressed (65 bytes).
    ///
    /// - Throws: `CryptoError.invalidLength` for any other length; `CryptoError.invalidPoint` for a
    ///   bad prefix, a coordinate not below p, or a point off the curve.
    public init(sec1 bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == 33 || bytes.count == 65 else { throw .invalidLength }
        // Only the two standard forms: the hybrid forms (0x06, 0x07) that libcrypto also reads are refused.
        let prefixIsValid = bytes.count == 33 ? (bytes[0] == 0x02 || bytes[0] == 0x03) : bytes[0] == 0x04
        guard prefixIsValid else { throw .invalidPoint }
        let encodings = try ECKeyHandle.canonicalEncodings(ofPoint: bytes)
        compressedRepresentation = encodings.compressed
        uncompressedRepresentation = encodings.uncompressed
        key = try ECKeyHandle.publicKey(uncompressed: encodings.uncompressed)
    }

    /// Checks an r || s signature over the SHA-256 digest of `message`.
    ///
    /// - Throws: `CryptoError.invalidLength` unless the signature is 64 bytes;
    ///   `CryptoError.authenticationFailure` when it does not verify.
    public func verify(_ signature: [UInt8], for message: [UInt8]) throws(CryptoError) {
        guard signature.count == ECDSAVerifyingKey.signatureLength else { throw .invalidLength }
        let valid = try signature.withBytes { (signature) throws(CryptoError) in
            try message.withBytes { (message) throws(CryptoError) in try key.verify(signature, message) }
        }
        guard valid else { throw .authenticationFailure }
    }

    /// True when `signature` is a valid r || s signature of `message`; false for anything else.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        do {
            try verify(signature, for: message)
            return true
        } catch {
            return false
        }
    }

    public static func == (lhs: ECDSAVerifyingKey, rhs: ECDSAVerifyingKey) -> Bool {
        lhs.compressedRepresentation == rhs.compressedRepresentation
    }
}
