import CofferCrypto
import CofferFirmware
import CofferPureCrypto
import OPAQUE
import Testing

/// What the realm ceremony asks of the HAL (ECDSA verification, P-256 ECDH, RFC 5649 AES-KWP): the pure
/// engine and the OpenSSL engine, through the `CryptoEngine` protocol, on seeded random inputs. Wycheproof's
/// AES-KWP and ECDH files run on both in VectorTests.
@Suite("Ceremony primitives: pure engine vs OpenSSL engine")
struct CeremonyPrimitiveTests {
    let pure = PureCryptoEngine()
    let openssl = OpenSSLCryptoEngine(suite: P256SHA256Suite(keyStretching: .identity))

    /// A private scalar in [1, n-1] from the generator (a 32-byte draw is out of range with probability 2^-32).
    static func scalar(_ random: inout SeededGenerator) -> [UInt8] {
        while true {
            let bytes = random.bytes(32)
            if PureP256Scalar(bytes: bytes) != nil { return bytes }
        }
    }

    @Test("ECDH: both engines derive the same x, and a·B = b·A")
    func ecdh() throws {
        var random = SeededGenerator(seed: 0xCE_0001)
        for _ in 0..<caseCount(40) {
            let a = Self.scalar(&random), b = Self.scalar(&random)
            let publicA = try pure.ecdsaPublicKey(privateKey: a), publicB = try openssl.ecdsaPublicKey(privateKey: b)
            let pureShared = try pure.ecdhP256(privateKey: a, peerPublicKey: publicB)
            #expect(pureShared.count == 32)
            #expect(pureShared == (try openssl.ecdhP256(privateKey: a, peerPublicKey: publicB)))
            #expect(pureShared == (try pure.ecdhP256(privateKey: b, peerPublicKey: publicA)))
            #expect(pureShared == (try openssl.ecdhP256(privateKey: b, peerPublicKey: publicA)))
        }
    }

    @Test("ECDH: both engines refuse off-curve points, x ≥ p, the identity's encodings, other lengths, bad scalars")
    func ecdhRefusals() throws {
        var random = SeededGenerator(seed: 0xCE_0002)
        let a = Self.scalar(&random)
        let publicB = try pure.ecdsaPublicKey(privateKey: Self.scalar(&random))
        let uncompressed = try #require(PureP256Point(sec1: publicB)?.uncompressed)
        var refused: [[UInt8]] = [
            [0x02] + [UInt8](repeating: 0, count: 31) + [1],  // x = 1: 1 - 3 + b is not a square
            [0x02] + [UInt8](repeating: 0xFF, count: 32),  // x ≥ p
            [UInt8](repeating: 0, count: 33), [0x00], [],  // the identity has no compressed encoding
            [0x04] + Array(publicB.dropFirst()), uncompressed, Array(publicB.dropLast()),
        ]
        // Random x values: about half are off the curve; each must be refused by both or accepted by both.
        for _ in 0..<caseCount(40) {
            let candidate = [UInt8(2 + Int.random(in: 0...1, using: &random))] + random.bytes(32)
            if PureP256Point(sec1: candidate) == nil { refused.append(candidate) }
            #expect((try? pure.ecdhP256(privateKey: a, peerPublicKey: candidate))
                == (try? openssl.ecdhP256(privateKey: a, peerPublicKey: candidate)))
        }
        for peer in refused {
            #expect(throws: HALError.cryptoFailure) { try pure.ecdhP256(privateKey: a, peerPublicKey: peer) }
            #expect(throws: HALError.cryptoFailure) { try openssl.ecdhP256(privateKey: a, peerPublicKey: peer) }
        }
        let order = hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551")
        for scalar in [[UInt8](repeating: 0, count: 32), order, [1]] {
            #expect(throws: HALError.cryptoFailure) { try pure.ecdhP256(privateKey: scalar, peerPublicKey: publicB) }
            #expect(throws: HALError.cryptoFailure) { try openssl.ecdhP256(privateKey: scalar, peerPublicKey: publicB) }
        }
    }

    @Test("ECDSA verify: each engine accepts the other's signatures and both refuse any change")
    func verify() throws {
        var random = SeededGenerator(seed: 0xCE_0003)
        for round in 0..<caseCount(30) {
            let key = Self.scalar(&random)
            let publicKey = try pure.ecdsaPublicKey(privateKey: key)
            let message = random.bytes(Int.random(in: 0...120, using: &random))
            let signer = round % 2 == 0 ? "pure" : "openssl"
            let signature = signer == "pure"
                ? try pure.ecdsaSign(privateKey: key, message: message)
                : try openssl.ecdsaSign(privateKey: key, message: message)
            #expect(pure.ecdsaVerify(publicKey: publicKey, message: message, signature: signature))
            #expect(openssl.ecdsaVerify(publicKey: publicKey, message: message, signature: signature))
            var tampered = signature
            tampered[Int.random(in: 0..<64, using: &random)] ^= 1 << UInt8.random(in: 0...7, using: &random)
            let otherKey = try pure.ecdsaPublicKey(privateKey: Self.scalar(&random))
            let uncompressed = try #require(PureP256Point(sec1: publicKey)?.uncompressed)
            for engine in [pure.ecdsaVerify, openssl.ecdsaVerify] as [([UInt8], [UInt8], [UInt8]) -> Bool] {
                #expect(!engine(publicKey, message, tampered))
                #expect(!engine(otherKey, message, signature))
                #expect(!engine(publicKey, message + [1], signature))
                #expect(!engine(uncompressed, message, signature))  // compressed keys only
                #expect(!engine(publicKey, message, [UInt8](repeating: 0, count: 64)))
                #expect(!engine(publicKey, message, Array(signature.dropLast())))
            }
        }
    }

    @Test("AES-KWP: both engines wrap to the same bytes for lengths 1 to 72 and unwrap each other's")
    func keyWrap() throws {
        var random = SeededGenerator(seed: 0xCE_0004)
        for length in 1...72 {
            let kek = random.bytes(32), plaintext = random.bytes(length)
            let wrapped = try pure.aesKeyWrapPadded(kek: kek, plaintext: plaintext)
            #expect(wrapped.count == (length + 7) / 8 * 8 + 8)
            #expect(wrapped == (try openssl.aesKeyWrapPadded(kek: kek, plaintext: plaintext)))
            #expect(try pure.aesKeyUnwrapPadded(kek: kek, wrapped: wrapped) == plaintext)
            var tampered = wrapped
            tampered[Int.random(in: 0..<wrapped.count, using: &random)] ^= 1 << UInt8.random(in: 0...7, using: &random)
            #expect(throws: HALError.cryptoFailure) { try pure.aesKeyUnwrapPadded(kek: kek, wrapped: tampered) }
            #expect(throws: HALError.cryptoFailure) { try openssl.aesKeyUnwrapPadded(kek: kek, wrapped: tampered) }
            var otherKEK = kek
            otherKEK[length % 32] ^= 0x80
            #expect(throws: HALError.cryptoFailure) { try pure.aesKeyUnwrapPadded(kek: otherKEK, wrapped: wrapped) }
        }
    }

    /// The unwrap's integrity check has three parts; each is reached on its own here by wrapping a forged
    /// A ‖ R with the raw RFC 3394 steps (the pure cipher, so the test needs no other AES): a wrong IV, an
    /// MLI outside 8(n-1) < MLI ≤ 8n, and a non-zero padding byte, each refused by both engines.
    @Test("AES-KWP: a wrong alternative IV, an out-of-range MLI and non-zero padding are each refused")
    func keyWrapChecks() throws {
        let kek = [UInt8](repeating: 0x42, count: 32)
        let cipher = try #require(PureAES256(key: kek))
        func forge(_ a: [UInt8], _ r: [UInt8]) -> [UInt8] {
            if r.count == 8 { return cipher.encrypt(a + r) }
            let n = r.count / 8
            var a = a, r = r
            for j in 0..<6 {
                for i in 0..<n {
                    let b = cipher.encrypt(a + r[(8 * i)..<(8 * i + 8)])
                    let t = UInt64(n * j + i + 1)
                    for k in 0..<8 { a[k] = b[k] ^ UInt8(truncatingIfNeeded: t >> UInt64(56 - 8 * k)) }
                    for k in 0..<8 { r[8 * i + k] = b[8 + k] }
                }
            }
            return a + r
        }
        let iv: [UInt8] = [0xA6, 0x59, 0x59, 0xA6]
        let r5 = [UInt8](repeating: 0x11, count: 5) + [0, 0, 0]
        let r13 = [UInt8](repeating: 0x22, count: 13) + [0, 0, 0]
        // The control: the forger is right, so a correct A ‖ R unwraps.
        #expect(try pure.aesKeyUnwrapPadded(kek: kek, wrapped: forge(iv + [0, 0, 0, 5], r5)) == Array(r5.prefix(5)))
        #expect(try openssl.aesKeyUnwrapPadded(kek: kek, wrapped: forge(iv + [0, 0, 0, 13], r13)) == Array(r13.prefix(13)))
        #expect(try pure.aesKeyUnwrapPadded(kek: kek, wrapped: forge(iv + [0, 0, 0, 13], r13)) == Array(r13.prefix(13)))
        let forged: [[UInt8]] = [
            forge([0xA6, 0x59, 0x59, 0xA7, 0, 0, 0, 5], r5),  // IV
            forge(iv + [0, 0, 0, 0], r5), forge(iv + [0, 0, 0, 9], r5),  // MLI 0, MLI > 8n
            forge(iv + [0, 0, 0, 8], r13), forge(iv + [0, 0, 0, 17], r13),  // MLI ≤ 8(n-1), > 8n
            forge(iv + [1, 0, 0, 13], r13),  // MLI's high byte
            forge(iv + [0, 0, 0, 4], r5), forge(iv + [0, 0, 0, 12], r13),  // a non-zero byte where padding is
            forge(iv + [0, 0, 0, 13], Array(r13.prefix(15)) + [1]),  // the last padding byte
        ]
        for wrapped in forged {
            #expect(throws: HALError.cryptoFailure) { try pure.aesKeyUnwrapPadded(kek: kek, wrapped: wrapped) }
            #expect(throws: HALError.cryptoFailure) { try openssl.aesKeyUnwrapPadded(kek: kek, wrapped: wrapped) }
        }
    }

    @Test("AES-256 decrypt inverts encrypt on random blocks and keys")
    func aesDecrypt() throws {
        var random = SeededGenerator(seed: 0xCE_0005)
        for _ in 0..<caseCount(200) {
            let cipher = try #require(PureAES256(key: random.bytes(32)))
            let block = random.bytes(16)
            #expect(cipher.decrypt(cipher.encrypt(block)) == block)
        }
        // FIPS 197 C.3: AES-256 of 00112233…ff under 000102…1f.
        let fips = try #require(PureAES256(key: (0..<32).map { UInt8($0) }))
        #expect(fips.decrypt(hex("8ea2b7ca516745bfeafc49904b496089")) == (0..<16).map { UInt8($0 * 0x11) })
    }
}
