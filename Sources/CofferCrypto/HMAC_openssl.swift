// libcrypto's EVP_MAC "HMAC" behind HMAC.swift. As with hashing, these calls fail only when
// libcrypto cannot allocate, so a failure stops the process instead of yielding a wrong tag.

internal import COpenSSL

/// A C string with static storage, for OSSL_PARAM keys and values: OSSL_PARAM keeps the pointer,
/// so it must outlive every call that reads the parameter array, and a string literal does.
func staticCString(_ string: StaticString) -> UnsafeMutablePointer<CChar> {
    UnsafeMutablePointer(mutating: UnsafeRawPointer(string.utf8Start).assumingMemoryBound(to: CChar.self))
}

extension DigestAlgorithm {
    /// The OpenSSL name of the digest, as a static C string.
    var openSSLName: UnsafeMutablePointer<CChar> {
        switch self {
        case .sha256: staticCString("SHA256")
        case .sha512: staticCString("SHA512")
        }
    }
}

/// An EVP_MAC_CTX keyed for HMAC, owned: freed (and so cleansed by libcrypto) on deinit.
/// Mutated only by a uniquely referenced owner; the HMAC struct copies it first otherwise.
final class HMACState: @unchecked Sendable {
    private let context: OpaquePointer
    private let algorithm: DigestAlgorithm

    init(_ algorithm: DigestAlgorithm, key: UnsafeRawBufferPointer) {
        // Starting from a copy of a template that already holds the digest saves a fetch of the
        // digest by name on every MAC; EVP_MAC_init then replaces the template's key.
        let template = HMACTemplate.shared.context(for: algorithm)
        guard let context = EVP_MAC_CTX_dup(template) else { fatalError("EVP_MAC_CTX_dup failed") }
        self.context = context
        self.algorithm = algorithm
        guard hmacInit(context, key: key, params: nil) == 1 else { fatalError("EVP_MAC_init failed") }
    }

    private init(copying other: HMACState) {
        guard let context = EVP_MAC_CTX_dup(other.context) else { fatalError("EVP_MAC_CTX_dup failed") }
        self.context = context
        self.algorithm = other.algorithm
    }

    deinit { EVP_MAC_CTX_free(context) }

    func copy() -> HMACState { HMACState(copying: self) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        guard EVP_MAC_update(context, bytes.baseAddress, bytes.count) == 1 else { fatalError("EVP_MAC_update failed") }
    }

    func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: algorithm.outputLength) { output, initialized in
            var length = 0
            guard EVP_MAC_final(context, output.baseAddress, &length, output.count) == 1,
                length == algorithm.outputLength
            else { fatalError("EVP_MAC_final failed") }
            initialized = length
        }
    }
}

/// EVP_MAC_init with a key that may be empty: an empty key is valid HMAC (RFC 5869 uses one), but
/// libcrypto wants a non-null pointer for it.
private func hmacInit(_ context: OpaquePointer, key: UnsafeRawBufferPointer, params: UnsafePointer<OSSL_PARAM>?)
    -> Int32
{
    var empty: UInt8 = 0
    return withUnsafeMutablePointer(to: &empty) { emptyPointer in
        EVP_MAC_init(context, key.baseAddress ?? UnsafeRawPointer(emptyPointer), key.count, params)
    }
}

/// One HMAC context per digest, keyed with the empty key, made once and only ever copied from
/// (EVP_MAC_CTX_dup reads its source), so it is safe to share between threads.
private final class HMACTemplate: @unchecked Sendable {
    static let shared = HMACTemplate()
    private let sha256: OpaquePointer
    private let sha512: OpaquePointer

    private init() {
        sha256 = HMACTemplate.make(.sha256)
        sha512 = HMACTemplate.make(.sha512)
    }

    func context(for algorithm: DigestAlgorithm) -> OpaquePointer {
        switch algorithm {
        case .sha256: sha256
        case .sha512: sha512
        }
    }

    private static func make(_ algorithm: DigestAlgorithm) -> OpaquePointer {
        guard let context = EVP_MAC_CTX_new(FetchedAlgorithms.shared.hmac) else { fatalError("EVP_MAC_CTX_new failed") }
        // "digest" is OSSL_MAC_PARAM_DIGEST.
        var params = [
            OSSL_PARAM_construct_utf8_string(staticCString("digest"), algorithm.openSSLName, 0),
            OSSL_PARAM_construct_end(),
        ]
        guard hmacInit(context, key: UnsafeRawBufferPointer(start: nil, count: 0), params: &params) == 1 else {
            fatalError("EVP_MAC_init failed")
        }
        return context
    }
}
