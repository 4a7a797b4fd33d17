// libcrypto's EVP_CIPHER "AES-256-GCM" behind AESGCM.swift.

internal import COpenSSL

/// An encryption and a decryption EVP_CIPHER_CTX keyed once, owned: freed on deinit (which
/// also cleanses the expanded key). Each message only re-initialises the nonce.
final class GCMContexts {
    private let encryptor: OpaquePointer
    private let decryptor: OpaquePointer

    init(key: UnsafeRawBufferPointer) throws(CryptoError) {
        guard key.count == AESGCM.keyLength else { throw .invalidLength }
        guard let encryptor = EVP_CIPHER_CTX_new() else { throw .libcryptoFailure }
        guard let decryptor = EVP_CIPHER_CTX_new() else {
            EVP_CIPHER_CTX_free(encryptor)
            throw .libcryptoFailure
        }
        self.encryptor = encryptor
        self.decryptor = decryptor
        let cipher = FetchedAlgorithms.shared.aes256GCM
        let keyBytes = key.baseAddress!.assumingMemoryBound(to: UInt8.self)
        // The default GCM nonce length is 12 bytes, which is the only length Coffer uses.
        guard EVP_EncryptInit_ex2(encryptor, cipher, keyBytes, nil, nil) == 1,
            EVP_DecryptInit_ex2(decryptor, cipher, keyBytes, nil, nil) == 1
        else { throw .libcryptoFailure }
    }

    deinit {
        EVP_CIPHER_CTX_free(encryptor)
        EVP_CIPHER_CTX_free(decryptor)
    }

    /// Writes ciphertext || tag into `output`, which is exactly `plaintext.count + 16` bytes.
    func seal(
        _ plaintext: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        precondition(nonce.count == AESGCM.nonceLength && output.count == plaintext.count + AESGCM.tagLength)
        guard plaintext.count <= Int32.max, aad.count <= Int32.max else { throw .invalidLength }
        let rc = EVP_EncryptInit_ex2(encryptor, nil, nil, nonce.baseAddress?.assumingMemoryBound(to: UInt8.self), nil)
        guard rc == 1 else { throw .libcryptoFailure }
        try feedAAD(encryptor, aad, EVP_EncryptUpdate)
        let out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var written: Int32 = 0
        if plaintext.count > 0 {
            let input = plaintext.baseAddress!.assumingMemoryBound(to: UInt8.self)
            guard EVP_EncryptUpdate(encryptor, out, &written, input, Int32(plaintext.count)) == 1,
                Int(written) == plaintext.count
            else { throw .libcryptoFailure }
        }
        var finalWritten: Int32 = 0
        guard EVP_EncryptFinal_ex(encryptor, out + Int(written), &finalWritten) == 1, finalWritten == 0 else {
            throw .libcryptoFailure
        }
        guard coffer_gcm_get_tag(encryptor, out + plaintext.count, Int32(AESGCM.tagLength)) == 1 else {
            throw .libcryptoFailure
        }
    }

    /// Checks the tag at the end of `sealed` and writes the plaintext into `output`, which is
    /// exactly `sealed.count - 16` bytes. On failure `output` holds unauthenticated bytes that
    /// the caller must discard.
    func open(
        _ sealed: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        let ciphertextCount = sealed.count - AESGCM.tagLength
        precondition(nonce.count == AESGCM.nonceLength && ciphertextCount >= 0 && output.count == ciphertextCount)
        guard ciphertextCount <= Int32.max, aad.count <= Int32.max else { throw .invalidLength }
        let rc = EVP_DecryptInit_ex2(decryptor, nil, nil, nonce.baseAddress?.assumingMemoryBound(to: UInt8.self), nil)
        guard rc == 1 else { throw .libcryptoFailure }
        try feedAAD(decryptor, aad, EVP_DecryptUpdate)
        let input = sealed.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var written: Int32 = 0
        if ciphertextCount > 0 {
            let out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
            guard EVP_DecryptUpdate(decryptor, out, &written, input, Int32(ciphertextCount)) == 1,
                Int(written) == ciphertextCount
            else { throw .libcryptoFailure }
        }
        // The tag control takes a mutable pointer but only reads it; copy into a local so the
        // caller's const input is never handed out as mutable.
        var tag: (UInt64, UInt64) = (0, 0)
        let tagSet = withUnsafeMutableBytes(of: &tag) { tagBytes in
            tagBytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: sealed[ciphertextCount...]))
            return coffer_gcm_set_tag(
                decryptor, tagBytes.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(AESGCM.tagLength))
        }
        guard tagSet == 1 else { throw .libcryptoFailure }
        var finalWritten: Int32 = 0
        var scratch: UInt8 = 0
        // A tag mismatch is the only way this final step fails for a context set up as above.
        guard EVP_DecryptFinal_ex(decryptor, &scratch, &finalWritten) == 1 else {
            ERR_clear_error()
            throw .authenticationFailure
        }
    }

    private typealias Update = (
        OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int32>?, UnsafePointer<UInt8>?, Int32
    ) -> Int32

    /// Feeds associated data: an update with no output buffer.
    private func feedAAD(_ context: OpaquePointer, _ aad: UnsafeRawBufferPointer, _ update: Update) throws(CryptoError)
    {
        guard aad.count > 0 else { return }
        var written: Int32 = 0
        let rc = update(context, nil, &written, aad.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(aad.count))
        guard rc == 1, Int(written) == aad.count else { throw .libcryptoFailure }
    }
}
