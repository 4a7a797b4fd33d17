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
        _ plaintext: UnsafeRawBufferPointer, nonce: [UInt8], aad: [UInt8], into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        precondition(output.count == plaintext.count + AESGCM.tagLength)
        guard plaintext.count <= Int32.max, aad.count <= Int32.max else { throw .invalidLength }
        let rc = nonce.withUnsafeBufferPointer { EVP_EncryptInit_ex2(encryptor, nil, nil, $0.baseAddress, nil) }
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
        _ sealed: UnsafeRawBufferPointer, nonce: [UInt8], aad: [UInt8], into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        let ciphertextCount = sealed.count - AESGCM.tagLength
        precondition(ciphertextCount >= 0 && output.count == ciphertextCount)
        guard ciphertextCount <= Int32.max, aad.count <= Int32.max else { throw .invalidLength }
        let rc = nonce.withUnsafeBufferPointer { EVP_DecryptInit_ex2(decryptor, nil, nil, $0.baseAddress, nil) }
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
        // The tag control takes a mutable pointer but only reads; copy so the input stays const.
        var tag = [UInt8](UnsafeRawBufferPointer(rebasing: sealed[ciphertextCount...]))
        guard coffer_gcm_set_tag(decryptor, &tag, Int32(AESGCM.tagLength)) == 1 else { throw .libcryptoFailure }
        var finalWritten: Int32 = 0
        var scratch: UInt8 = 0
        // A tag mismatch is the only way this final step fails for a context set up as above.
        guard EVP_DecryptFinal_ex(decryptor, &scratch, &finalWritten) == 1 else { throw .authenticationFailure }
    }

    private typealias Update = (
        OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int32>?, UnsafePointer<UInt8>?, Int32
    ) -> Int32

    /// Feeds associated data: an update with no output buffer.
    private func feedAAD(_ context: OpaquePointer, _ aad: [UInt8], _ update: Update) throws(CryptoError) {
        guard !aad.isEmpty else { return }
        var written: Int32 = 0
        let rc = aad.withUnsafeBufferPointer { update(context, nil, &written, $0.baseAddress, Int32(aad.count)) }
        guard rc == 1, Int(written) == aad.count else { throw .libcryptoFailure }
    }
}
