import CofferCrypto
import CofferPureCrypto
import OPAQUE
import Testing

/// The pure engine against CofferCrypto (OpenSSL) on seeded random inputs. Counts are sized for a
/// debug `make test` (seconds per primitive); `COFFER_PURE_DIFF_SCALE=N` multiplies them.
@Suite("Pure engine vs OpenSSL on random inputs")
struct DifferentialTests {
    @Test("SHA-256, HMAC-SHA256 and HKDF-SHA256 on random lengths")
    func hashes() {
        var random = SeededGenerator(seed: 0x5AA5_0001)
        for _ in 0..<caseCount(3000) {
            let message = random.bytes(Int.random(in: 0...300, using: &random))
            let key = random.bytes(Int.random(in: 0...100, using: &random))
            #expect(PureSHA256.hash(message) == SHA256.hash(message))
            #expect(PureHMACSHA256.authenticationCode(for: message, key: key)
                == HMACSHA256.authenticationCode(for: message, key: key))
            let length = Int.random(in: 0...100, using: &random)
            #expect(PureHKDFSHA256.deriveKey(ikm: message, salt: key, info: Array(message.prefix(20)), length: length)
                == (try? HKDF<SHA256>.deriveKey(ikm: message, salt: key, info: Array(message.prefix(20)),
                                                length: length)))
        }
    }

    @Test("SHA-256 fed in random pieces equals one call")
    func incrementalHash() {
        var random = SeededGenerator(seed: 0x5AA5_0002)
        for _ in 0..<caseCount(2000) {
            let message = random.bytes(Int.random(in: 0...400, using: &random))
            var hasher = PureSHA256()
            var offset = 0
            while offset < message.count {
                let end = min(message.count, offset + Int.random(in: 1...70, using: &random))
                hasher.update(Array(message[offset..<end]))
                offset = end
            }
            #expect(hasher.finalize() == SHA256.hash(message))
        }
    }

    @Test("AES-256-GCM seal and open, and refusals of tampered boxes")
    func aesGCM() throws {
        var random = SeededGenerator(seed: 0x5AA5_0003)
        for _ in 0..<caseCount(1500) {
            let key = random.bytes(32), nonce = random.bytes(12)
            let plaintext = random.bytes(Int.random(in: 0...80, using: &random))
            let aad = random.bytes(Int.random(in: 0...40, using: &random))
            let sealed = try PureAESGCM.seal(plaintext, key: key, nonce: nonce, aad: aad)
            #expect(sealed == (try AESGCMKey(bytes: key).seal(plaintext, nonce: nonce, aad: aad)))
            #expect(try PureAESGCM.open(sealed, key: key, nonce: nonce, aad: aad) == plaintext)
            var tampered = sealed
            tampered[Int.random(in: 0..<tampered.count, using: &random)] ^= 1 << UInt8.random(in: 0...7, using: &random)
            #expect(throws: PureAESGCM.Failure.authenticationFailure) {
                try PureAESGCM.open(tampered, key: key, nonce: nonce, aad: aad)
            }
        }
    }

    @Test("AES-256 single blocks")
    func aesBlocks() {
        var random = SeededGenerator(seed: 0x5AA5_0004)
        for _ in 0..<caseCount(3000) {
            let key = random.bytes(32), block = random.bytes(16)
            let cipher = PureAES256(key: key)!
            // One block of GCM's counter mode is AES of nonce || 2; compare through OpenSSL's GCM.
            let nonce = Array(block.prefix(12))
            let keystream = try? AESGCMKey(bytes: key).seal([UInt8](repeating: 0, count: 16), nonce: nonce, aad: [])
            #expect(cipher.encrypt(nonce + [0, 0, 0, 2]) == keystream.map { Array($0.prefix(16)) })
        }
    }

    @Test("P-256 scalar multiplication, generator multiples and encodings")
    func scalarMultiplication() throws {
        var random = SeededGenerator(seed: 0x5AA5_0005)
        let group = P256()
        for _ in 0..<caseCount(100) {
            let scalarBytes = random.bytes(32)
            guard let pure = PureP256Scalar(bytes: scalarBytes), let openssl = try? group.deserializeScalar(scalarBytes)
            else { continue }
            let pureG = PureP256Point.generatorMultiple(pure)
            #expect(pureG.compressed == group.serialize(try group.multiplyGenerator(by: openssl)))
            let base = try group.hashToGroup(random.bytes(16), dst: Array("diff".utf8))
            let pureBase = try #require(PureP256Point(sec1: group.serialize(base)))
            #expect(pureBase.multiplied(by: pure).compressed == group.serialize(try group.multiply(base, by: openssl)))
            #expect(PureP256Group().serialize(try PureP256Group().invert(pure))
                == group.serialize(try group.invert(openssl)))
        }
    }

    @Test("edge scalars: 1, 2, n-1 and scalars with long runs of equal windows")
    func edgeScalars() throws {
        let group = P256()
        let n1 = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550")
        let cases = [[UInt8](repeating: 0, count: 31) + [1], [UInt8](repeating: 0, count: 31) + [2], n1,
                     [UInt8](repeating: 0x11, count: 32), [0x80] + [UInt8](repeating: 0, count: 31),
                     [UInt8](repeating: 0, count: 16) + [UInt8](repeating: 0xff, count: 16)]
        for bytes in cases {
            let pure = try #require(PureP256Scalar(bytes: bytes))
            #expect(PureP256Point.generatorMultiple(pure).compressed
                == group.serialize(try group.multiplyGenerator(by: try group.deserializeScalar(bytes))))
        }
        #expect(PureP256Scalar(bytes: [UInt8](repeating: 0, count: 32)) == nil)
        #expect(PureP256Scalar(bytes: hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")) == nil)
    }

    @Test("hash_to_curve and hash_to_scalar")
    func hashToCurve() throws {
        var random = SeededGenerator(seed: 0x5AA5_0006)
        let group = P256(), pureGroup = PureP256Group()
        for _ in 0..<caseCount(300) {
            let message = random.bytes(Int.random(in: 0...64, using: &random))
            let dst = random.bytes(Int.random(in: 1...40, using: &random))
            #expect(pureGroup.serialize(try pureGroup.hashToGroup(message, dst: dst))
                == group.serialize(try group.hashToGroup(message, dst: dst)))
            #expect(pureGroup.serialize(try pureGroup.hashToScalar(message, dst: dst))
                == group.serialize(try group.hashToScalar(message, dst: dst)))
        }
    }

    @Test("ECDSA: pure signatures verify with OpenSSL, OpenSSL signatures verify with the pure verifier")
    func ecdsa() throws {
        var random = SeededGenerator(seed: 0x5AA5_0007)
        for _ in 0..<caseCount(40) {
            let key = random.bytes(32)
            guard let openssl = try? ECDSASigningKey(scalar: key) else { continue }
            let message = random.bytes(Int.random(in: 0...100, using: &random))
            let publicKey = try PureECDSA.publicKey(privateKey: key)
            #expect(publicKey == openssl.publicKey.compressedRepresentation)
            let signature = try PureECDSA.sign(privateKey: key, message: message)
            #expect(openssl.publicKey.isValidSignature(signature, for: message))
            let theirs = try openssl.signature(for: message)
            #expect(throws: Never.self) {
                try PureECDSA.verify(signature: theirs, message: message, publicKey: publicKey)
            }
            var bad = theirs
            bad[Int.random(in: 0..<64, using: &random)] ^= 0x40
            #expect(throws: PureECDSA.Failure.self) {
                try PureECDSA.verify(signature: bad, message: message, publicKey: publicKey)
            }
        }
    }

    @Test("point decoding accepts and refuses exactly what OpenSSL does")
    func pointDecoding() throws {
        var random = SeededGenerator(seed: 0x5AA5_0008)
        let group = P256()
        var accepted = 0
        for i in 0..<caseCount(2000) {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = [UInt8.random(in: 2...3, using: &random)] + random.bytes(32)
            } else {
                // A real point's uncompressed encoding, sometimes with one bit flipped.
                let point = try group.hashToGroup(random.bytes(8), dst: Array("dec".utf8))
                bytes = try ECDSAVerifyingKey(sec1: group.serialize(point)).uncompressedRepresentation
                if i % 4 == 1 { bytes[Int.random(in: 1..<65, using: &random)] ^= 1 }
            }
            let pure = PureP256Point(sec1: bytes)
            let openssl = try? ECDSAVerifyingKey(sec1: bytes)
            #expect((pure == nil) == (openssl == nil), "\(bytes)")
            if let pure, let openssl {
                #expect(pure.compressed == openssl.compressedRepresentation)
                accepted += 1
            }
        }
        #expect(accepted > caseCount(2000) / 8)
    }
}
