// libsodium's SHA-512 and HMAC-SHA512 behind Digest.swift and HMAC.swift.
//
// The ristretto255-SHA512 suite hashes and MACs a few hundred bytes at a time, dozens of times per
// login; there the cost of libcrypto's EVP contexts (a heap context per hash or MAC, provider
// dispatch, cleansing on free) outweighed the hashing itself. libsodium's states are plain C structs,
// so SHA-512 and HMAC-SHA512 live inline in Swift values: no allocation, copying is a copy of bytes,
// and the value semantics of `HashFunction` and `HMAC` come for free. libsodium wipes a state when
// it finalizes it; a keyed state that is copied from instead (HKDF-Expand's) is wiped by its owner.

internal import CSodium

/// A SHA-512 state held by value.
struct SodiumSHA512State {
    private var raw = crypto_hash_sha512_state()

    init() {
        Sodium.ensureInitialised()
        crypto_hash_sha512_init(&raw)
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        crypto_hash_sha512_update(&raw, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    }

    /// The digest; libsodium wipes the state.
    mutating func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Int(crypto_hash_sha512_BYTES)) { output, initialized in
            crypto_hash_sha512_final(&raw, output.baseAddress!)
            initialized = Int(crypto_hash_sha512_BYTES)
        }
    }

    /// SHA-512 of one buffer, with the state on the stack.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var state = SodiumSHA512State()
        state.update(bytes)
        return state.finalize()
    }
}

/// An HMAC-SHA512 state held by value, keyed with any key (longer than a block: hashed first).
struct SodiumHMACSHA512State {
    private var raw = crypto_auth_hmacsha512_state()

    init(key: UnsafeRawBufferPointer) {
        Sodium.ensureInitialised()
        // libsodium reads `keylen` bytes and wants a pointer even for the empty key.
        var empty: UInt8 = 0
        withUnsafePointer(to: &empty) { emptyPointer in
            let pointer = key.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? emptyPointer
            // Returns 0 always (1.0.18 and later).
            _ = crypto_auth_hmacsha512_init(&raw, pointer, key.count)
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = crypto_auth_hmacsha512_update(&raw, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    }

    /// The tag; libsodium wipes the state.
    mutating func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Int(crypto_auth_hmacsha512_BYTES)) { output, initialized in
            _ = crypto_auth_hmacsha512_final(&raw, output.baseAddress!)
            initialized = Int(crypto_auth_hmacsha512_BYTES)
        }
    }

    /// Wipes a keyed state that will not be finalized (a template others were copied from).
    mutating func wipe() {
        withUnsafeMutableBytes(of: &raw) { sodium_memzero($0.baseAddress!, $0.count) }
    }
}
