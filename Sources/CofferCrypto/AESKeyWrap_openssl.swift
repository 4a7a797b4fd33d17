// libcrypto's "AES-{128,192,256}-WRAP-PAD" ciphers behind AESKeyWrap.swift. Key wrap is one
// EVP update over the whole input (the cipher is not a stream), then a final that writes nothing.

internal import COpenSSL
import OPAQUE

/// An EVP_CIPHER_CTX set up for key wrap with padding, owned: freed (and cleansed) on deinit.
private final class KeyWrapContext {
    let context: OpaquePointer
    private let cipher: OpaquePointer

    init(kek: UnsafeRawBufferPointer, encrypting: Bool) throws(CryptoError) {
        let name: String
        switch kek.count {
        case 16: name = "AES-128-WRAP-PAD"
        case 24: name = "AES-192-WRAP-PAD"
        case 32: name = "AES-256-WRAP-PAD"
        default: throw .invalidLength
        }
        guard let cipher = EVP_CIPHER_fetch(nil, name, nil) else { throw .libcryptoFailure }
        guard let context = EVP_CIPHER_CTX_new() else {
            EVP_CIPHER_free(cipher)
            throw .libcryptoFailure
        }
        self.cipher = cipher
        self.context = context
        // Legacy callers must opt in to wrap modes; harmless with a fetched cipher, required by older paths.
        coffer_allow_wrap(context)
        let key = kek.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let rc =
            encrypting
            ? EVP_EncryptInit_ex2(context, cipher, key, nil, nil) : EVP_DecryptInit_ex2(context, cipher, key, nil, nil)
        guard rc == 1 else { throw .libcryptoFailure }
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
        EVP_CIPHER_free(cipher)
    }
}

/// RFC 5649 wrap: output is ceil(n / 8) * 8 + 8 bytes.
func keyWrapSeal(_ key: UnsafeRawBufferPointer, kek: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
    guard AESKeyWrap.kekLengths.contains(kek.count) else { throw .invalidLength }
    guard key.count > 0, key.count <= Int(Int32.max) - 16 else { throw .invalidLength }
    let context = try KeyWrapContext(kek: kek, encrypting: true)
    let wrappedLength = (key.count + 7) / 8 * 8 + 8
    return try [UInt8](filling: wrappedLength) { (out) throws(CryptoError) in
        let output = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var written: Int32 = 0
        let input = key.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard EVP_EncryptUpdate(context.context, output, &written, input, Int32(key.count)) == 1,
            Int(written) == wrappedLength
        else { throw .libcryptoFailure }
        var finalWritten: Int32 = 0
        guard EVP_EncryptFinal_ex(context.context, output + Int(written), &finalWritten) == 1, finalWritten == 0 else {
            throw .libcryptoFailure
        }
    }
}

/// RFC 5649 unwrap with its integrity check (the alternative IV and the padding length and bytes).
func keyWrapOpen(_ wrapped: UnsafeRawBufferPointer, kek: UnsafeRawBufferPointer) throws(CryptoError) -> SecretBytes {
    guard AESKeyWrap.kekLengths.contains(kek.count) else { throw .invalidLength }
    guard wrapped.count >= 16, wrapped.count % 8 == 0, wrapped.count <= Int(Int32.max) else { throw .invalidLength }
    let context = try KeyWrapContext(kek: kek, encrypting: false)
    // The plaintext is at least 8 bytes shorter than the wrapped form, but libcrypto wants room for
    // the whole input: on a failed check it wipes `wrapped.count` bytes of the output, so a buffer
    // sized to the plaintext would be overrun. The true length comes out of the check.
    let scratch = SecretBytes(zeros: wrapped.count)
    let length = try scratch.withUnsafeMutableBytes { (out) throws(CryptoError) -> Int in
        let output = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var written: Int32 = 0
        let input = wrapped.baseAddress!.assumingMemoryBound(to: UInt8.self)
        // libcrypto reports a failed integrity check as a failed update.
        guard EVP_DecryptUpdate(context.context, output, &written, input, Int32(wrapped.count)) == 1 else {
            ERR_clear_error()
            throw .authenticationFailure
        }
        guard written > 0, Int(written) <= out.count - 8 else { throw .authenticationFailure }
        var finalWritten: Int32 = 0
        guard EVP_DecryptFinal_ex(context.context, output + Int(written), &finalWritten) == 1, finalWritten == 0 else {
            throw .libcryptoFailure
        }
        return Int(written)
    }
    let key = SecretBytes(zeros: length)
    key.withUnsafeMutableBytes { destination in
        scratch.withUnsafeBytes { source in
            destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<length]))
        }
    }
    return key
}
