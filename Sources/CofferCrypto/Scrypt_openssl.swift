// libcrypto's EVP_KDF "SCRYPT" behind Scrypt.swift.

internal import COpenSSL

/// An EVP_KDF and its context, owned: both freed on deinit.
private final class ScryptContext {
    private let kdf: OpaquePointer
    let context: OpaquePointer

    init() throws(CryptoError) {
        guard let kdf = EVP_KDF_fetch(nil, "SCRYPT", nil) else { throw .libcryptoFailure }
        guard let context = EVP_KDF_CTX_new(kdf) else {
            EVP_KDF_free(kdf)
            throw .libcryptoFailure
        }
        self.kdf = kdf
        self.context = context
    }

    deinit {
        EVP_KDF_CTX_free(context)
        EVP_KDF_free(kdf)
    }
}

/// Runs scrypt into `output`. OSSL_PARAM holds pointers to the password, the salt and the
/// integers rather than copies, so every one of them is pinned by an enclosing closure until
/// EVP_KDF_derive has returned.
func scryptDerive(
    password: UnsafeRawBufferPointer, salt: [UInt8], parameters: ScryptParameters, memoryLimit: UInt64,
    into output: UnsafeMutableRawBufferPointer
) throws(CryptoError) {
    let kdf = try ScryptContext()
    var salt = salt
    var n = parameters.n
    var r = parameters.r
    var p = parameters.p
    var maxmem = memoryLimit
    // libcrypto wants non-null pointers even for the empty password and salt of RFC 7914's first vector.
    var empty: UInt8 = 0
    let rc = withUnsafeMutablePointer(to: &empty) { emptyPointer in
        salt.withUnsafeMutableBytes { saltBytes in
            withUnsafeMutablePointer(to: &n) { n in
                withUnsafeMutablePointer(to: &r) { r in
                    withUnsafeMutablePointer(to: &p) { p in
                        withUnsafeMutablePointer(to: &maxmem) { maxmem in
                            // Keys are OSSL_KDF_PARAM_PASSWORD, _SALT, _SCRYPT_N, _R, _P and _MAXMEM.
                            var params = [
                                OSSL_PARAM_construct_octet_string(
                                    staticCString("pass"),
                                    UnsafeMutableRawPointer(mutating: password.baseAddress)
                                        ?? UnsafeMutableRawPointer(emptyPointer),
                                    password.count),
                                OSSL_PARAM_construct_octet_string(
                                    staticCString("salt"),
                                    saltBytes.baseAddress ?? UnsafeMutableRawPointer(emptyPointer),
                                    saltBytes.count),
                                OSSL_PARAM_construct_uint64(staticCString("n"), n),
                                OSSL_PARAM_construct_uint32(staticCString("r"), r),
                                OSSL_PARAM_construct_uint32(staticCString("p"), p),
                                OSSL_PARAM_construct_uint64(staticCString("maxmem_bytes"), maxmem),
                                OSSL_PARAM_construct_end(),
                            ]
                            return EVP_KDF_derive(
                                kdf.context, output.baseAddress?.assumingMemoryBound(to: UInt8.self), output.count,
                                &params)
                        }
                    }
                }
            }
        }
    }
    guard rc == 1 else {
        ERR_clear_error()
        throw .libcryptoFailure
    }
}
