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
