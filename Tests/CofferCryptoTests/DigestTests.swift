import Testing

@testable import CofferCrypto

struct DigestVector: Sendable, CustomTestStringConvertible {
    let name: String
    let algorithm: DigestAlgorithm
    let message: [UInt8]
    let digest: String
    var testDescription: String { name }
}

/// FIPS 180-4 examples ("abc") and the empty string.
let digestVectors = [
    DigestVector(
        name: "SHA-256 abc", algorithm: .sha256, message: "abc".utf8Bytes,
        digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    DigestVector(
        name: "SHA-256 empty", algorithm: .sha256, message: [],
        digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    DigestVector(
        name: "SHA-512 abc", algorithm: .sha512, message: "abc".utf8Bytes,
        digest: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
    DigestVector(
        name: "SHA-512 empty", algorithm: .sha512, message: [],
        digest: "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            + "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
]

func digest(_ algorithm: DigestAlgorithm, _ message: [UInt8]) -> [UInt8] {
    switch algorithm {
    case .sha256: SHA256.hash(message)
    case .sha512: SHA512.hash(message)
    }
}

@Test("one-shot digests match the FIPS 180-4 vectors", arguments: digestVectors)
func oneShotDigestMatchesVector(_ vector: DigestVector) {
    #expect(digest(vector.algorithm, vector.message).hex == vector.digest)
}

@Test("a changed message changes the digest", arguments: digestVectors)
func changedMessageChangesDigest(_ vector: DigestVector) {
    let changed = vector.message.isEmpty ? [0x00] : vector.message.flippingBit(ofByte: 0)
    #expect(digest(vector.algorithm, changed).hex != vector.digest)
}

@Test("incremental hashing in pieces equals one-shot hashing")
func incrementalEqualsOneShot() {
    let message = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    var sha256 = SHA256()
    var sha512 = SHA512()
    for piece in stride(from: 0, to: message.count, by: 97) {
        let slice = Array(message[piece..<min(piece + 97, message.count)])
        sha256.update(slice)
        sha512.update(slice)
    }
    #expect(sha256.finalize() == SHA256.hash(message))
    #expect(sha512.finalize() == SHA512.hash(message))
}

@Test("a copied hash state continues independently of the original")
func copiedStateIsIndependent() {
    var original = SHA256()
    original.update("ab".utf8Bytes)
    var copy = original
    copy.update("c".utf8Bytes)
    original.update("x".utf8Bytes)
    #expect(copy.finalize() == SHA256.hash("abc".utf8Bytes))
    #expect(original.finalize() == SHA256.hash("abx".utf8Bytes))
}

@Test("output lengths are 32 and 64 bytes")
func outputLengths() {
    #expect(SHA256.outputLength == 32 && SHA256.hash([]).count == 32)
    #expect(SHA512.outputLength == 64 && SHA512.hash([]).count == 64)
}
