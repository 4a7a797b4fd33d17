import CofferCrypto
import CofferFirmware
import CofferPureCrypto
import OPAQUE
import Testing

/// The OPAQUE-facing group and the firmware-facing engine refuse what OpenSSL's refuse, with the
/// same errors.
@Suite("Pure group and engine refusals")
struct PureGroupTests {
    let group = PureP256Group()

    @Test("scalars: zero, n and wrong lengths are refused; zero has no inverse")
    func scalarRefusals() {
        #expect(throws: OPAQUEError.invalidScalar) { try group.deserializeScalar([UInt8](repeating: 0, count: 32)) }
        #expect(throws: OPAQUEError.invalidScalar) {
            try group.deserializeScalar(hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"))
        }
        #expect(throws: OPAQUEError.invalidLength) { try group.deserializeScalar([1]) }
        let zero = PureP256Scalar(reducing: [0])
        #expect(group.isZero(zero))
        #expect(throws: OPAQUEError.invalidScalar) { try group.invert(zero) }
        #expect(throws: OPAQUEError.invalidElement) { try group.multiplyGenerator(by: zero) }
    }

    @Test("elements: only compressed 33-byte encodings of curve points")
    func elementRefusals() throws {
        let g = try group.multiplyGenerator(by: PureP256Scalar(reducing: [1]))
        let uncompressed = try #require(g.uncompressed)
        #expect(throws: OPAQUEError.invalidLength) { try group.deserializeElement(uncompressed) }
        #expect(throws: OPAQUEError.invalidLength) { try group.deserializeElement([0]) }
        // Small x: about half are on the curve; both groups must accept exactly the same ones.
        var refused = 0
        for x in 0..<32 {
            for prefix in [UInt8(2), 3] {
                let bytes = [prefix] + [UInt8](repeating: 0, count: 31) + [UInt8(x)]
                let pure = try? group.deserializeElement(bytes)
                let openssl = try? P256().deserializeElement(bytes)
                #expect((pure == nil) == (openssl == nil), "x = \(x)")
                if let pure, let openssl { #expect(group.serialize(pure) == P256().serialize(openssl)) }
                if pure == nil { refused += 1 }
            }
        }
        #expect(refused > 0)
        #expect(throws: OPAQUEError.invalidElement) {
            try group.deserializeElement([2] + [UInt8](repeating: 0xFF, count: 32))
        }
        #expect(throws: OPAQUEError.invalidElement) { try group.deserializeElement([4] + Array(uncompressed[1..<33])) }
        #expect(group.serialize(try group.deserializeElement(group.serialize(g))) == group.serialize(g))
    }

    @Test("the engine refuses bad keys, nonces and tags as cryptoFailure, and derives as OpenSSL's")
    func engineRefusals() throws {
        let engine = PureCryptoEngine()
        let openssl = OpenSSLCryptoEngine(suite: P256SHA256Suite(keyStretching: .identity))
        let key = [UInt8](repeating: 7, count: 32), nonce = [UInt8](repeating: 1, count: 12)
        #expect(throws: HALError.cryptoFailure) {
            try engine.sealAESGCM(key: [1], nonce: nonce, plaintext: [], aad: [])
        }
        #expect(throws: HALError.cryptoFailure) { try engine.sealAESGCM(key: key, nonce: [1], plaintext: [], aad: []) }
        #expect(throws: HALError.cryptoFailure) { try engine.openAESGCM(key: key, nonce: nonce, sealed: [1], aad: []) }
        var sealed = try engine.sealAESGCM(key: key, nonce: nonce, plaintext: [1, 2, 3], aad: [9])
        #expect(sealed == (try openssl.sealAESGCM(key: key, nonce: nonce, plaintext: [1, 2, 3], aad: [9])))
        sealed[0] ^= 1
        #expect(throws: HALError.cryptoFailure) {
            try engine.openAESGCM(key: key, nonce: nonce, sealed: sealed, aad: [9])
        }
        #expect(throws: HALError.cryptoFailure) {
            try engine.ecdsaPublicKey(privateKey: [UInt8](repeating: 0, count: 32))
        }
        #expect(throws: HALError.cryptoFailure) { try engine.ecdsaSign(privateKey: [1], message: []) }
        #expect(try engine.ecdsaPublicKey(privateKey: key) == (try openssl.ecdsaPublicKey(privateKey: key)))
        #expect(engine.hkdf(ikm: key, salt: [], info: [1], length: 80)
            == openssl.hkdf(ikm: key, salt: [], info: [1], length: 80))
        #expect(engine.constantTimeEqual([1, 2], [1, 2]) && !engine.constantTimeEqual([1, 2], [1, 3]))
        #expect(!engine.constantTimeEqual([1], [1, 2]))
    }
}
