import CofferFirmware
import OPAQUE
import Testing

@testable import CofferCrypto

/// A ciphersuite that only fills the engine's generic parameter: the real P-256 suite lives on
/// another branch, and these tests exercise the engine's own primitives.
struct PlaceholderGroup: PrimeOrderGroup {
    var elementLength: Int { 33 }
    var scalarLength: Int { 32 }
    func hashToGroup(_ input: [UInt8], dst: [UInt8]) throws(OPAQUEError) -> [UInt8] { throw .engineFailure }
    func hashToScalar(_ input: [UInt8], dst: [UInt8]) throws(OPAQUEError) -> [UInt8] { throw .engineFailure }
    func multiply(_ element: [UInt8], by scalar: [UInt8]) throws(OPAQUEError) -> [UInt8] { throw .engineFailure }
    func multiplyGenerator(by scalar: [UInt8]) throws(OPAQUEError) -> [UInt8] { throw .engineFailure }
    func invert(_ scalar: [UInt8]) throws(OPAQUEError) -> [UInt8] { throw .engineFailure }
    func isZero(_ scalar: [UInt8]) -> Bool { scalar.allSatisfy { $0 == 0 } }
    func serialize(_ element: [UInt8]) -> [UInt8] { element }
    func deserializeElement(_ bytes: [UInt8]) throws(OPAQUEError) -> [UInt8] { bytes }
    func deserializeScalar(_ bytes: [UInt8]) throws(OPAQUEError) -> [UInt8] { bytes }
}

struct PlaceholderSuite: OPAQUECiphersuite {
    var group: PlaceholderGroup { PlaceholderGroup() }
    var oprfIdentifier: [UInt8] { Array("placeholder".utf8) }
    var hashLength: Int { 32 }
    var macLength: Int { 32 }
    var kdfLength: Int { 32 }
    func hash(_ message: [UInt8]) -> [UInt8] { SHA256.hash(message) }
    func mac(key: [UInt8], message: [UInt8]) -> [UInt8] { HMACSHA256.authenticationCode(for: message, key: key) }
    func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool { OPAQUE.constantTimeEqual(a, b) }
    func extract(salt: [UInt8], ikm: [UInt8]) -> [UInt8] { HKDF<SHA256>.extract(salt: salt, ikm: ikm) }
    func expand(prk: [UInt8], info: [UInt8], length: Int) -> [UInt8] { [] }
    func stretch(_ input: [UInt8]) throws(OPAQUEError) -> [UInt8] { input }
}

/// The firmware reaches the engine through the HAL protocol, generically.
func sealThroughHAL<E: CryptoEngine>(_ engine: E, _ key: [UInt8]) throws(HALError) -> [UInt8] {
    try engine.sealAESGCM(key: key, nonce: [UInt8](repeating: 0, count: 12), plaintext: [], aad: [])
}

private let engine = OpenSSLCryptoEngine(suite: PlaceholderSuite())

@Test("the engine's AES-GCM matches GCM test case 13 and opens what it sealed")
func engineAESGCM() throws {
    let key = [UInt8](repeating: 0, count: 32)
    #expect(try sealThroughHAL(engine, key).hex == "530f8afbc74536b9a963b4f1c4cb738b")
    let nonce = [UInt8](repeating: 9, count: 12)
    let sealed = try engine.sealAESGCM(key: key, nonce: nonce, plaintext: [1, 2, 3], aad: [4])
    #expect(try engine.openAESGCM(key: key, nonce: nonce, sealed: sealed, aad: [4]) == [1, 2, 3])
}

@Test("the engine maps every AES-GCM failure to HALError.cryptoFailure")
func engineAESGCMFailures() throws {
    let key = [UInt8](repeating: 0, count: 32)
    let nonce = [UInt8](repeating: 9, count: 12)
    let sealed = try engine.sealAESGCM(key: key, nonce: nonce, plaintext: [1, 2, 3], aad: [4])
    #expect(throws: HALError.cryptoFailure) { try engine.openAESGCM(key: key, nonce: nonce, sealed: sealed, aad: [5]) }
    #expect(throws: HALError.cryptoFailure) { try engine.openAESGCM(key: key, nonce: nonce, sealed: [1], aad: []) }
    #expect(throws: HALError.cryptoFailure) { try engine.sealAESGCM(key: [1], nonce: nonce, plaintext: [], aad: []) }
    #expect(throws: HALError.cryptoFailure) { try engine.sealAESGCM(key: key, nonce: [1], plaintext: [], aad: []) }
}

@Test("the engine's HKDF is HKDF-SHA256 (RFC 5869 case 1)")
func engineHKDF() {
    let vector = hkdfVectors[0]
    #expect(engine.hkdf(ikm: vector.ikm, salt: vector.salt, info: vector.info, length: vector.length).hex == vector.okm)
    let otherInfo = vector.info.flippingBit(ofByte: 0)
    #expect(engine.hkdf(ikm: vector.ikm, salt: vector.salt, info: otherInfo, length: vector.length).hex != vector.okm)
}

@Test("the engine's ECDSA gives the compressed key, signs verifiably, and maps bad scalars to cryptoFailure")
func engineECDSA() throws {
    let scalar = [UInt8](hex: "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")
    let publicKey = try engine.ecdsaPublicKey(privateKey: scalar)
    #expect(publicKey.count == 33 && publicKey[0] == 0x03)
    let signature = try engine.ecdsaSign(privateKey: scalar, message: [1, 2, 3])
    try ECDSAVerifyingKey(sec1: publicKey).verify(signature, for: [1, 2, 3])
    #expect(throws: HALError.cryptoFailure) { try engine.ecdsaPublicKey(privateKey: [UInt8](repeating: 0, count: 32)) }
    #expect(throws: HALError.cryptoFailure) { try engine.ecdsaSign(privateKey: [1, 2], message: []) }
}

@Test("the engine's constant-time compare tells equal from different")
func engineCompare() {
    #expect(engine.constantTimeEqual([1, 2, 3], [1, 2, 3]))
    #expect(!engine.constantTimeEqual([1, 2, 3], [1, 2, 4]))
    #expect(!engine.constantTimeEqual([1, 2, 3], [1, 2]))
}

// MARK: - What the realm ceremony needs: ECDSA verification, P-256 ECDH, RFC 5649 key wrap.

/// Wycheproof aes_kwp_test.json, AES-256 KEK: tcId 171 (1 byte, one block), 178 (8 bytes, one block),
/// 179 (9 bytes, the 6n-step wrap), 161 (16 bytes), 167 (32 bytes: a realm root secret's length).
private let kwpVectors: [(kek: String, plaintext: String, wrapped: String)] = [
    ("1abf4b7fa2bb62a78f09ddab04625dcacdd9e551d1a69b6b162baa53d2700093", "ae", "06c1e65ac0f385b4e8c400d229f39422"),
    ("1abf4b7fa2bb62a78f09ddab04625dcacdd9e551d1a69b6b162baa53d2700093", "e43f5e4e123a03c4",
     "3a6746052a1744cfe7e2f36dafc4042d"),
    ("1abf4b7fa2bb62a78f09ddab04625dcacdd9e551d1a69b6b162baa53d2700093", "1723eb9d000916996a",
     "db7e73da22219e1baac0f4e955c3db2b900b5d3078f94b59"),
    ("fce0429c610658ef8e7cfb0154c51de2239a8a317f5af5b6714f985fb5c4d75c", "287326b5ed0078e7ca0164d748f667e7",
     "e3eab96d9a2fda12f9e252053aff15e753e5ea6f5172c92b"),
    ("38e1b1d075d9d852b9a6c01c8ff6965af01bac457a4e339ae3e1d7b2ffacc0cd",
     "80ad6820f1c90981e2ca42b817a345c1179d0a11d8e23a8adc0505e13d87295a",
     "b63b7e0fec7e315816233db6758fd3e744b9f6a40862bdf866487e53bcb950d8b2649269e51b4475"),
]

@Test("the engine's AES-KWP matches Wycheproof's AES-256 vectors and refuses every flipped bit")
func engineKeyWrapPadded() throws {
    for vector in kwpVectors {
        let kek = [UInt8](hex: vector.kek), plaintext = [UInt8](hex: vector.plaintext)
        let wrapped = [UInt8](hex: vector.wrapped)
        #expect(try engine.aesKeyWrapPadded(kek: kek, plaintext: plaintext) == wrapped)
        #expect(try engine.aesKeyUnwrapPadded(kek: kek, wrapped: wrapped) == plaintext)
        for index in wrapped.indices {
            #expect(throws: HALError.cryptoFailure) {
                try engine.aesKeyUnwrapPadded(kek: kek, wrapped: wrapped.flippingBit(3, ofByte: index))
            }
        }
        #expect(throws: HALError.cryptoFailure) {
            try engine.aesKeyUnwrapPadded(kek: kek.flippingBit(ofByte: 31), wrapped: wrapped)
        }
    }
}

@Test("the engine's AES-KWP takes AES-256 KEKs only and refuses empty plaintexts and bad wrapped lengths")
func engineKeyWrapPaddedLengths() {
    let kek = [UInt8](repeating: 7, count: 32)
    for badKEK in [16, 24, 31, 33] {
        let bad = [UInt8](repeating: 7, count: badKEK)
        #expect(throws: HALError.cryptoFailure) { try engine.aesKeyWrapPadded(kek: bad, plaintext: [1]) }
        #expect(throws: HALError.cryptoFailure) { try engine.aesKeyUnwrapPadded(kek: bad, wrapped: Array(repeating: 0, count: 16)) }
    }
    #expect(throws: HALError.cryptoFailure) { try engine.aesKeyWrapPadded(kek: kek, plaintext: []) }
    for length in [0, 8, 15, 17, 23] {
        #expect(throws: HALError.cryptoFailure) {
            try engine.aesKeyUnwrapPadded(kek: kek, wrapped: [UInt8](repeating: 0, count: length))
        }
    }
}

/// Two private scalars of RFC 6979 A.2.5 and one made up; all below n.
private let scalarA = [UInt8](hex: "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")
private let scalarB = [UInt8](hex: "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20")

@Test("the engine's ECDH agrees both ways and returns 32 bytes of x")
func engineECDH() throws {
    let publicA = try engine.ecdsaPublicKey(privateKey: scalarA)
    let publicB = try engine.ecdsaPublicKey(privateKey: scalarB)
    let ab = try engine.ecdhP256(privateKey: scalarA, peerPublicKey: publicB)
    #expect(ab.count == 32)
    #expect(ab == (try engine.ecdhP256(privateKey: scalarB, peerPublicKey: publicA)))
    #expect(ab != (try engine.ecdhP256(privateKey: scalarB, peerPublicKey: publicB)))
}

@Test("the engine's ECDH refuses off-curve, malformed and uncompressed peer keys and bad scalars")
func engineECDHRefusals() throws {
    let publicB = try engine.ecdsaPublicKey(privateKey: scalarB)
    let uncompressed = try ECDSAVerifyingKey(sec1: publicB).uncompressedRepresentation
    // x = 1 is not the x of a P-256 point (1 - 3 + b is not a square mod p).
    let offCurve = [0x02] + [UInt8](repeating: 0, count: 31) + [1]
    let xAboveP = [0x02] + [UInt8](repeating: 0xFF, count: 32)
    let identityLike = [UInt8](repeating: 0, count: 33)
    let badPrefix = [0x04] + Array(publicB.dropFirst())
    for peer in [offCurve, xAboveP, identityLike, badPrefix, uncompressed, Array(publicB.dropLast()), []] {
        #expect(throws: HALError.cryptoFailure) { try engine.ecdhP256(privateKey: scalarA, peerPublicKey: peer) }
    }
    let order = [UInt8](hex: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
    for scalar in [[UInt8](repeating: 0, count: 32), order, [1, 2, 3]] {
        #expect(throws: HALError.cryptoFailure) { try engine.ecdhP256(privateKey: scalar, peerPublicKey: publicB) }
    }
}

@Test("the engine's ECDSA verification accepts its own signatures and refuses any change")
func engineECDSAVerify() throws {
    let publicA = try engine.ecdsaPublicKey(privateKey: scalarA)
    let publicB = try engine.ecdsaPublicKey(privateKey: scalarB)
    let message = Array("coffer/realm/v1/test".utf8)
    let signature = try engine.ecdsaSign(privateKey: scalarA, message: message)
    #expect(engine.ecdsaVerify(publicKey: publicA, message: message, signature: signature))
    #expect(!engine.ecdsaVerify(publicKey: publicB, message: message, signature: signature))
    #expect(!engine.ecdsaVerify(publicKey: publicA, message: message + [0], signature: signature))
    for index in [0, 31, 32, 63] {
        #expect(!engine.ecdsaVerify(publicKey: publicA, message: message, signature: signature.flippingBit(ofByte: index)))
    }
    let uncompressed = try ECDSAVerifyingKey(sec1: publicA).uncompressedRepresentation
    #expect(!engine.ecdsaVerify(publicKey: uncompressed, message: message, signature: signature))
    let offCurve = [0x03] + [UInt8](repeating: 0, count: 31) + [1]
    #expect(!engine.ecdsaVerify(publicKey: offCurve, message: message, signature: signature))
    #expect(!engine.ecdsaVerify(publicKey: publicA, message: message, signature: Array(signature.prefix(63))))
    #expect(!engine.ecdsaVerify(publicKey: publicA, message: message, signature: [UInt8](repeating: 0, count: 64)))
}
