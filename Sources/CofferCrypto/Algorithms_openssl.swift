// libcrypto algorithm objects fetched once per process. OpenSSL 3 resolves a name such as "SHA256"
// through its provider tables on every implicit fetch; fetching once and sharing the result keeps
// that lookup out of every hash, MAC and seal. Fetched objects are immutable and thread-safe.

internal import COpenSSL

/// The process-wide fetched algorithms. A failed fetch means libcrypto has no default provider,
/// which nothing in Coffer can work around, so it stops the process with a message.
internal final class FetchedAlgorithms: @unchecked Sendable {
    static let shared = FetchedAlgorithms()

    let sha256: OpaquePointer
    let sha512: OpaquePointer
    let hmac: OpaquePointer
    let aes256GCM: OpaquePointer

    private init() {
        sha256 = FetchedAlgorithms.require(EVP_MD_fetch(nil, "SHA256", nil), "SHA256")
        sha512 = FetchedAlgorithms.require(EVP_MD_fetch(nil, "SHA512", nil), "SHA512")
        hmac = FetchedAlgorithms.require(EVP_MAC_fetch(nil, "HMAC", nil), "HMAC")
        aes256GCM = FetchedAlgorithms.require(EVP_CIPHER_fetch(nil, "AES-256-GCM", nil), "AES-256-GCM")
    }

    // Never freed: the objects live as long as the process, like libcrypto's own tables.

    private static func require(_ pointer: OpaquePointer?, _ name: String) -> OpaquePointer {
        guard let pointer else { fatalError("libcrypto has no \(name) implementation (default provider missing)") }
        return pointer
    }
}
