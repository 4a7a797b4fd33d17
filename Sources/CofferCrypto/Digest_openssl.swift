// libcrypto's EVP_MD calls behind Digest.swift.
//
// Hashing fails in libcrypto only when it cannot allocate, which Swift treats as fatal everywhere
// else too; so the hash API does not throw, and a failed call stops the process rather than
// returning a wrong digest.

internal import COpenSSL

extension DigestAlgorithm {
    /// The fetched EVP_MD for this algorithm.
    var messageDigest: OpaquePointer {
        switch self {
        case .sha256: FetchedAlgorithms.shared.sha256
        case .sha512: FetchedAlgorithms.shared.sha512
        }
    }
}

/// Hashes a buffer with EVP_Digest.
func oneShotDigest(_ algorithm: DigestAlgorithm, _ bytes: UnsafeRawBufferPointer) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: algorithm.outputLength) { output, initialized in
        var length: UInt32 = 0
        let rc = EVP_Digest(bytes.baseAddress, bytes.count, output.baseAddress, &length, algorithm.messageDigest, nil)
        guard rc == 1, Int(length) == algorithm.outputLength else { fatalError("EVP_Digest failed") }
        initialized = Int(length)
    }
}

/// An EVP_MD_CTX, owned: freed on deinit. Mutated only by a uniquely referenced owner (the hash
/// structs copy it first otherwise), which is what makes sharing it across threads safe.
final class DigestState: @unchecked Sendable {
    private let context: OpaquePointer
    private let algorithm: DigestAlgorithm

    init(_ algorithm: DigestAlgorithm) {
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed") }
        self.context = context
        self.algorithm = algorithm
        guard EVP_DigestInit_ex2(context, algorithm.messageDigest, nil) == 1 else {
            fatalError("EVP_DigestInit_ex2 failed")
        }
    }

    private init(copying other: DigestState) {
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed") }
        self.context = context
        self.algorithm = other.algorithm
        guard EVP_MD_CTX_copy_ex(context, other.context) == 1 else { fatalError("EVP_MD_CTX_copy_ex failed") }
    }

    deinit { EVP_MD_CTX_free(context) }

    func copy() -> DigestState { DigestState(copying: self) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        guard EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1 else {
            fatalError("EVP_DigestUpdate failed")
        }
    }

    func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: algorithm.outputLength) { output, initialized in
            var length: UInt32 = 0
            guard EVP_DigestFinal_ex(context, output.baseAddress, &length) == 1,
                Int(length) == algorithm.outputLength
            else { fatalError("EVP_DigestFinal_ex failed") }
            initialized = Int(length)
        }
    }
}
