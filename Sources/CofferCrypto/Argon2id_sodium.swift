// libsodium's crypto_pwhash_argon2id behind Argon2id.swift.

internal import CSodium

/// Runs Argon2id v0x13 with one lane into `output`. The caller has checked the salt length (16),
/// the output length (16 or more) and the parameters.
func argon2idDerive(password: UnsafeRawBufferPointer, salt: [UInt8], parameters: Argon2idParameters,
                    into output: UnsafeMutableRawBufferPointer) throws(CryptoError) {
    Sodium.ensureInitialised()
    precondition(salt.count == Int(crypto_pwhash_argon2id_SALTBYTES), "Argon2id salt of the wrong length")
    // libsodium wants a non-null password pointer even for an empty password.
    var empty: CChar = 0
    let rc = withUnsafeMutablePointer(to: &empty) { emptyPointer in
        salt.withUnsafeBufferPointer { salt in
            crypto_pwhash_argon2id(
                output.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(output.count),
                password.baseAddress?.assumingMemoryBound(to: CChar.self) ?? UnsafePointer(emptyPointer),
                UInt64(password.count), salt.baseAddress!,
                // opslimit is Argon2's t; memlimit is m in bytes, which libsodium divides back by 1024.
                UInt64(parameters.iterations), Int(parameters.memoryKiB) * 1024,
                crypto_pwhash_argon2id_ALG_ARGON2ID13)
        }
    }
    // -1 means libsodium could not allocate the memory (the parameters were checked before).
    guard rc == 0 else { throw .libcryptoFailure }
}
