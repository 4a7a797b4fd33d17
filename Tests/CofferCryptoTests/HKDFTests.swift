import Testing

@testable import CofferCrypto

struct HKDFVector: Sendable, CustomTestStringConvertible {
    let testCase: Int
    let ikm: [UInt8]
    let salt: [UInt8]
    let info: [UInt8]
    let length: Int
    let prk: String
    let okm: String
    var testDescription: String { "RFC 5869 case \(testCase)" }
}

/// RFC 5869 appendix A, cases 1–3 (SHA-256).
let hkdfVectors = [
    HKDFVector(
        testCase: 1, ikm: [UInt8](repeating: 0x0b, count: 22), salt: Array(0x00...0x0c), info: Array(0xf0...0xf9),
        length: 42, prk: "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
        okm: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
    HKDFVector(
        testCase: 2, ikm: Array(0x00...0x4f), salt: Array(0x60...0xaf), info: Array(0xb0...0xff), length: 82,
        prk: "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
        okm: "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09"
            + "da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"),
    HKDFVector(
        testCase: 3, ikm: [UInt8](repeating: 0x0b, count: 22), salt: [], info: [], length: 42,
        prk: "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
        okm: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
]

@Test("HKDF-SHA256 extract and expand match RFC 5869", arguments: hkdfVectors)
func hkdfMatchesVector(_ vector: HKDFVector) throws {
    let prk = HKDF<SHA256>.extract(salt: vector.salt, ikm: vector.ikm)
    #expect(prk.hex == vector.prk)
    #expect(try HKDF<SHA256>.expand(prk: prk, info: vector.info, length: vector.length).hex == vector.okm)
    #expect(
        try HKDF<SHA256>.deriveKey(ikm: vector.ikm, salt: vector.salt, info: vector.info, length: vector.length).hex
            == vector.okm)
}

@Test("a flipped bit in ikm, salt, info or prk changes the output", arguments: hkdfVectors)
func hkdfFlippedBitChangesOutput(_ vector: HKDFVector) throws {
    let changedIKM = vector.ikm.flippingBit(ofByte: 0)
    #expect(HKDF<SHA256>.extract(salt: vector.salt, ikm: changedIKM).hex != vector.prk)
    let changedSalt = vector.salt.isEmpty ? [0x01] : vector.salt.flippingBit(ofByte: 0)
    #expect(HKDF<SHA256>.extract(salt: changedSalt, ikm: vector.ikm).hex != vector.prk)
    let prk = [UInt8](hex: vector.prk)
    let changedInfo = vector.info.isEmpty ? [0x00] : vector.info.flippingBit(ofByte: 0)
    #expect(try HKDF<SHA256>.expand(prk: prk, info: changedInfo, length: vector.length).hex != vector.okm)
    #expect(
        try HKDF<SHA256>.expand(prk: prk.flippingBit(ofByte: 31), info: vector.info, length: vector.length).hex
            != vector.okm)
}

@Test("expand refuses lengths above 255 blocks, negative lengths and short PRKs")
func hkdfRefusesBadLengths() throws {
    let prk = [UInt8](repeating: 7, count: 32)
    #expect(try HKDF<SHA256>.expand(prk: prk, info: [], length: 255 * 32).count == 8160)
    #expect(try HKDF<SHA256>.expand(prk: prk, info: [], length: 0).isEmpty)
    #expect(throws: CryptoError.invalidLength) { try HKDF<SHA256>.expand(prk: prk, info: [], length: 255 * 32 + 1) }
    #expect(throws: CryptoError.invalidLength) { try HKDF<SHA256>.expand(prk: prk, info: [], length: -1) }
    #expect(throws: CryptoError.invalidLength) {
        try HKDF<SHA256>.expand(prk: Array(prk.prefix(31)), info: [], length: 32)
    }
    #expect(throws: CryptoError.invalidLength) { try HKDF<SHA512>.expand(prk: prk, info: [], length: 64) }
}

@Test("HKDF-SHA512 derives 64-byte PRKs and its output is a prefix-stable stream")
func hkdfSHA512() throws {
    let prk = HKDF<SHA512>.extract(salt: [1, 2, 3], ikm: [4, 5, 6])
    #expect(prk.count == 64)
    #expect(prk == HMACSHA512.authenticationCode(for: [4, 5, 6], key: [1, 2, 3]))
    let long = try HKDF<SHA512>.expand(prk: prk, info: [9], length: 200)
    let short = try HKDF<SHA512>.expand(prk: prk, info: [9], length: 70)
    #expect(Array(long.prefix(70)) == short)
}
