// AES-256-GCM with a 12-byte nonce and the 16-byte tag appended to the ciphertext.

import OPAQUE

/// AES-256-GCM (NIST SP 800-38D) as Coffer uses it: 32-byte key, 12-byte nonce, associated data,
/// and a sealed box that is the ciphertext followed by its 16-byte tag.
///
/// The one-call functions build a cipher context for each message. To seal or open many
/// messages under one key (the chunks of a backup file), keep an `AESGCMKey`, which keeps its
/// expanded key and its libcrypto contexts between messages.
public enum AESGCM {
    /// Key length in bytes.
    public static let keyLength = 32
    /// Nonce length in bytes.
    public static let nonceLength = 12
    /// Tag length in bytes.
    public static let tagLength = 16

    /// Encrypts and authenticates `plaintext`, and authenticates `aad`; returns ciphertext || tag.
    ///
    /// - Throws: `CryptoError.invalidLength` for a key that is not 32 bytes or a nonce that is not
    ///   12 bytes.
    public static func seal(_ plaintext: [UInt8], key: SecretBytes, nonce: [UInt8], aad: [UInt8] = [])
        throws(CryptoError) -> [UInt8]
    {
        try AESGCMKey(key).seal(plaintext, nonce: nonce, aad: aad)
    }

    /// Checks and decrypts a sealed box (ciphertext || tag) made by `seal`.
    ///
    /// - Throws: `CryptoError.authenticationFailure` when the tag does not verify (wrong key,
    ///   nonce or associated data, or tampered bytes); `CryptoError.invalidLength` for a bad key or
    ///   nonce length or a box shorter than the tag.
    public static func open(_ sealed: [UInt8], key: SecretBytes, nonce: [UInt8], aad: [UInt8] = [])
        throws(CryptoError) -> [UInt8]
    {
        try AESGCMKey(key).open(sealed, nonce: nonce, aad: aad)
    }
}

/// An AES-256-GCM key ready to seal and open many messages.
///
/// It keeps one encryption and one decryption context with the key already expanded, so each
/// message costs only setting its nonce. Not safe to share between threads while in use; give
/// each thread its own.
public final class AESGCMKey {
    private let contexts: GCMContexts

    /// Prepares a key for use. Throws `CryptoError.invalidLength` unless it is 32 bytes.
    public init(_ key: SecretBytes) throws(CryptoError) {
        contexts = try key.withUnsafeBytes { (key) throws(CryptoError) in try GCMContexts(key: key) }
    }

    /// Prepares a key given as plain bytes (the caller owns wiping them).
    public init(bytes key: [UInt8]) throws(CryptoError) {
        contexts = try key.withBytes { (key) throws(CryptoError) in try GCMContexts(key: key) }
    }

    /// Encrypts `plaintext` and authenticates it with `aad`; returns ciphertext || 16-byte tag.
    /// Never seal two messages under the same key and nonce.
    ///
    /// - Throws: `CryptoError.invalidLength` unless the nonce is 12 bytes.
    public func seal(_ plaintext: [UInt8], nonce: [UInt8], aad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        try plaintext.withBytes { (plaintext) throws(CryptoError) in
            try nonce.withBytes { (nonce) throws(CryptoError) in
                try aad.withBytes { (aad) throws(CryptoError) in
                    try [UInt8](filling: plaintext.count + AESGCM.tagLength) { (output) throws(CryptoError) in
                        try seal(plaintext, nonce: nonce, aad: aad, into: output)
                    }
                }
            }
        }
    }

    /// Checks and decrypts ciphertext || tag; returns the plaintext.
    ///
    /// - Throws: `CryptoError.authenticationFailure` when the tag does not verify;
    ///   `CryptoError.invalidLength` for a nonce that is not 12 bytes or a box shorter than the tag.
    public func open(_ sealed: [UInt8], nonce: [UInt8], aad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        guard sealed.count >= AESGCM.tagLength else { throw .invalidLength }
        return try sealed.withBytes { (sealed) throws(CryptoError) in
            try nonce.withBytes { (nonce) throws(CryptoError) in
                try aad.withBytes { (aad) throws(CryptoError) in
                    // `filling` wipes the buffer when the tag fails, so no unauthenticated plaintext survives.
                    try [UInt8](filling: sealed.count - AESGCM.tagLength) { (output) throws(CryptoError) in
                        try open(sealed, nonce: nonce, aad: aad, into: output)
                    }
                }
            }
        }
    }

    /// Seals into a buffer the caller owns, allocating nothing: the fast path for streams of chunks.
    ///
    /// - Parameter output: exactly `plaintext.count + 16` bytes; receives ciphertext || tag.
    /// - Throws: `CryptoError.invalidLength` for a nonce that is not 12 bytes or an output of the
    ///   wrong size.
    public func seal(
        _ plaintext: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        guard nonce.count == AESGCM.nonceLength, output.count == plaintext.count + AESGCM.tagLength else {
            throw .invalidLength
        }
        try contexts.seal(plaintext, nonce: nonce, aad: aad, into: output)
    }

    /// Opens into a buffer the caller owns, allocating nothing. When the tag does not verify,
    /// `output` is zeroed before the error is thrown.
    ///
    /// - Parameter output: exactly `sealed.count - 16` bytes; receives the plaintext.
    /// - Throws: `CryptoError.authenticationFailure` when the tag does not verify;
    ///   `CryptoError.invalidLength` for a nonce that is not 12 bytes, a box shorter than the tag,
    ///   or an output of the wrong size.
    public func open(
        _ sealed: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        guard nonce.count == AESGCM.nonceLength, sealed.count >= AESGCM.tagLength,
            output.count == sealed.count - AESGCM.tagLength
        else { throw .invalidLength }
        do {
            try contexts.open(sealed, nonce: nonce, aad: aad, into: output)
        } catch {
            output.initializeMemory(as: UInt8.self, repeating: 0)
            throw error
        }
    }
}
