// scrypt for the suite's key stretching, through libcrypto's EVP_PBE_scrypt.

internal import COpenSSL

/// scrypt (RFC 7914) with a memory cap that fits the requested cost.
func scryptKey(password: [UInt8], salt: [UInt8], n: Int, r: Int, p: Int, length: Int) throws(CryptoError) -> [UInt8] {
    // scrypt needs 128·r·N bytes for V plus 128·r·p for B; allow that with headroom.
    let memoryCap = UInt64(128 * r * (n + p)) + 1 << 20
    var out = [UInt8](repeating: 0, count: length)
    let rc = password.withUnsafeBytes { pass in
        salt.withUnsafeBufferPointer { saltBuffer in
            out.withUnsafeMutableBufferPointer { key in
                EVP_PBE_scrypt(pass.baseAddress?.assumingMemoryBound(to: CChar.self), pass.count,
                               saltBuffer.baseAddress, saltBuffer.count, UInt64(n), UInt64(r), UInt64(p), memoryCap,
                               key.baseAddress, key.count)
            }
        }
    }
    guard rc == 1 else { discardLibcryptoErrors(); throw .libcryptoFailure }
    return out
}
