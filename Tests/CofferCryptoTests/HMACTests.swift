import Testing

@testable import CofferCrypto

struct HMACVector: Sendable, CustomTestStringConvertible {
    let testCase: Int
    let key: [UInt8]
    let data: [UInt8]
    let sha256: String
    let sha512: String
    var testDescription: String { "RFC 4231 case \(testCase)" }
}

/// RFC 4231 §4.2–4.5.
let hmacVectors = [
    HMACVector(
        testCase: 1, key: [UInt8](repeating: 0x0b, count: 20), data: "Hi There".utf8Bytes,
        sha256: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        sha512: "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
            + "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"),
    HMACVector(
        testCase: 2, key: "Jefe".utf8Bytes, data: "what do ya want for nothing?".utf8Bytes,
        sha256: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        sha512: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            + "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
    HMACVector(
        testCase: 3, key: [UInt8](repeating: 0xaa, count: 20), data: [UInt8](repeating: 0xdd, count: 50),
        sha256: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        sha512: "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
            + "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"),
    HMACVector(
        testCase: 4, key: Array(1...25), data: [UInt8](repeating: 0xcd, count: 50),
        sha256: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        sha512: "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
            + "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"),
]

@Test("HMAC-SHA256 and HMAC-SHA512 match RFC 4231", arguments: hmacVectors)
func hmacMatchesVector(_ vector: HMACVector) {
    #expect(HMACSHA256.authenticationCode(for: vector.data, key: vector.key).hex == vector.sha256)
    #expect(HMACSHA512.authenticationCode(for: vector.data, key: vector.key).hex == vector.sha512)
}

@Test("a flipped key bit or data bit changes the tag and fails verification", arguments: hmacVectors)
func flippedBitIsRefused(_ vector: HMACVector) {
    let tag = [UInt8](hex: vector.sha256)
    #expect(HMACSHA256.isValidAuthenticationCode(tag, for: vector.data, key: vector.key))
    let otherKey = vector.key.flippingBit(ofByte: 0)
    let otherData = vector.data.flippingBit(3, ofByte: vector.data.count - 1)
    #expect(!HMACSHA256.isValidAuthenticationCode(tag, for: vector.data, key: otherKey))
    #expect(!HMACSHA256.isValidAuthenticationCode(tag, for: otherData, key: vector.key))
    #expect(!HMACSHA256.isValidAuthenticationCode(tag.flippingBit(7, ofByte: 31), for: vector.data, key: vector.key))
    #expect(HMACSHA512.authenticationCode(for: otherData, key: vector.key).hex != vector.sha512)
}

@Test("a truncated tag does not verify")
func truncatedTagIsRefused() {
    let vector = hmacVectors[0]
    let tag = [UInt8](hex: vector.sha256)
    #expect(!HMACSHA256.isValidAuthenticationCode(Array(tag.prefix(16)), for: vector.data, key: vector.key))
    #expect(!HMACSHA256.isValidAuthenticationCode([], for: vector.data, key: vector.key))
}

@Test("incremental HMAC equals one-shot, and a copied state is independent")
func incrementalHMAC() {
    let key = Array("key".utf8)
    var mac = HMACSHA256(key: key)
    mac.update("what do ya ".utf8Bytes)
    var copy = mac
    mac.update("want".utf8Bytes)
    copy.update("need".utf8Bytes)
    #expect(mac.finalize() == HMACSHA256.authenticationCode(for: "what do ya want".utf8Bytes, key: key))
    #expect(copy.finalize() == HMACSHA256.authenticationCode(for: "what do ya need".utf8Bytes, key: key))
}

@Test("a long key (above one block) and an empty key both work")
func longAndEmptyKeys() {
    let long = [UInt8](repeating: 0xaa, count: 131)
    // RFC 4231 case 6.
    let expected = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    #expect(
        HMACSHA256.authenticationCode(
            for: "Test Using Larger Than Block-Size Key - Hash Key First".utf8Bytes, key: long
        ).hex == expected)
    #expect(HMACSHA256.authenticationCode(for: [], key: []).count == 32)
}
