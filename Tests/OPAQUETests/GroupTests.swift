import CofferCrypto
import OPAQUE
import Testing

/// The P-256 group, hash-to-curve and the OPRF beyond what the vector files pin down: the
/// negative twins (a changed input changes the output) and the algebra the protocol relies on.
@Suite("P-256 group and OPRF")
struct GroupTests {
    let group = P256()
    let suite = P256SHA256Suite(keyStretching: .identity)
    let dst = Array("QUUX-V01-CS02-with-P256_XMD:SHA-256_SSWU_RO_".utf8)

    @Test("hash_to_curve changes with one bit of the message or of the DST")
    func hashToCurveNegativeTwins() throws {
        let message = Array("abc".utf8)
        let point = group.serialize(try group.hashToGroup(message, dst: dst))
        #expect(group.serialize(try group.hashToGroup(flippingBit(message, at: 1), dst: dst)) != point)
        #expect(group.serialize(try group.hashToGroup(message, dst: flippingBit(dst, at: 0))) != point)
        #expect(group.serialize(try group.hashToGroup(message, dst: dst)) == point)
    }

    @Test("expand_message_xmd hashes an oversize DST and refuses impossible lengths")
    func expandMessageLimits() throws {
        let longDST = [UInt8](repeating: 0x41, count: 300)
        let hashedDST = SHA256.hash(Array("H2C-OVERSIZE-DST-".utf8) + longDST)
        #expect(try P256HashToCurve.expandMessageXMD([1, 2], dst: longDST, length: 64)
                == P256HashToCurve.expandMessageXMD([1, 2], dst: hashedDST, length: 64))
        #expect(throws: CryptoError.invalidLength) { try P256HashToCurve.expandMessageXMD([], dst: dst, length: 8161) }
        #expect(throws: CryptoError.invalidLength) { try P256HashToCurve.expandMessageXMD([], dst: dst, length: 65536) }
        #expect(try P256HashToCurve.expandMessageXMD([], dst: dst, length: 8160).count == 8160)
    }

    @Test("multiplication agrees with the generator and inversion undoes it")
    func algebra() throws {
        let a = try group.hashToScalar(Array("a".utf8), dst: dst)
        let b = try group.hashToScalar(Array("b".utf8), dst: dst)
        let aG = try group.multiplyGenerator(by: a)
        // b·(a·G) = a·(b·G)
        #expect(group.serialize(try group.multiply(aG, by: b))
                == group.serialize(try group.multiply(try group.multiplyGenerator(by: b), by: a)))
        // a⁻¹·(a·G) = G
        let one = try group.deserializeScalar([UInt8](repeating: 0, count: 31) + [1])
        #expect(group.serialize(try group.multiply(aG, by: try group.invert(a)))
                == group.serialize(try group.multiplyGenerator(by: one)))
    }

    @Test("the OPRF output does not depend on the blind but changes with one bit of the input")
    func oprfNegativeTwin() throws {
        let oprf = OPRF(suite: suite)
        let key = try oprf.derivePrivateKey(seed: [UInt8](repeating: 0xa3, count: 32), info: Array("test key".utf8))
        func evaluate(_ input: [UInt8], blind byte: UInt8) throws -> [UInt8] {
            let blind = try group.deserializeScalar([UInt8](repeating: byte, count: 32))
            let blinded = try oprf.blind(input, blind: blind)
            let evaluated = try oprf.blindEvaluate(key: key, blindedElement: blinded)
            return try oprf.finalize(input, blind: blind, evaluatedElement: evaluated)
        }
        let output = try evaluate([0x00], blind: 0x33)
        #expect(try evaluate([0x00], blind: 0x44) == output)
        #expect(try evaluate([0x01], blind: 0x33) != output)
    }

    @Test("DeriveKeyPair depends on seed and info, and its public key is the generator multiple")
    func deriveKeyPair() throws {
        let oprf = OPRF(suite: suite)
        let seed = [UInt8](repeating: 0xa3, count: 32)
        let pair = try oprf.deriveKeyPair(seed: seed, info: Array("test key".utf8))
        #expect(hexString(group.serialize(pair.privateKey))
                == "159749d750713afe245d2d39ccfaae8381c53ce92d098a9375ee70739c7ac0bf")
        #expect(group.serialize(try group.multiplyGenerator(by: pair.privateKey)) == pair.publicKey)
        let other = try oprf.derivePrivateKey(seed: seed, info: Array("test kez".utf8))
        #expect(group.serialize(other) != group.serialize(pair.privateKey))
        let reseeded = try oprf.derivePrivateKey(seed: flippingBit(seed, at: 31), info: Array("test key".utf8))
        #expect(group.serialize(reseeded) != group.serialize(pair.privateKey))
    }
}
