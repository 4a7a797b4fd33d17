import OPAQUE
import Testing

@testable import CofferCrypto

/// ristretto255 (RFC 9496) on libsodium: the RFC's own vectors (Appendix A), the group law, and the
/// encodings RFC 9497 requires a deserializer to refuse.
@Suite("ristretto255")
struct Ristretto255Tests {
    let group = Ristretto255()

    /// RFC 9496 A.1: the encodings of 0·B, 1·B, ..., 15·B.
    static let smallMultiples = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
        "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919",
        "94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259",
        "da80862773358b466ffadfe0b3293ab3d9fd53c5ea6c955358f568322daf6a57",
        "e882b131016b52c1d3337080187cf768423efccbb517bb495ab812c4160ff44e",
        "f64746d3c92b13050ed8d80236a7f0007c3b3f962f5ba793d19a601ebb1df403",
        "44f53520926ec81fbd5a387845beb7df85a96a24ece18738bdcfa6a7822a176d",
        "903293d8f2287ebe10e2374dc1a53e0bc887e592699f02d077d5263cdd55601c",
        "02622ace8f7303a31cafc63f8fc48fdc16e1c8c8d234b2f0d6685282a9076031",
        "20706fd788b2720a1ed2a5dad4952b01f413bcf0e7564de8cdc816689e2db95f",
        "bce83f8ba5dd2fa572864c24ba1810f9522bc6004afe95877ac73241cafdab42",
        "e4549ee16b9aa03099ca208c67adafcafa4c3f3e4e5303de6026e3ca8ff84460",
        "aa52e000df2e16f55fb1032fc33bc42742dad6bd5a8fc0be0167436c5948501f",
        "46376b80f409b29dc2b5f6f0c52591990896e5716f41477cd30085ab7f10301e",
        "e0c418f7c8d9c4cdd7395b93ea124f3ad99021bb681dfc3302a9d99a2e53e64e",
    ]

    /// RFC 9496 A.2: non-canonical field encodings, negative field elements, non-square x², negative
    /// x·y, and s = -1 (y = 0).
    static let badEncodings = [
        "00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
        "c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562",
        "c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78",
        "47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24",
        "f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72",
        "87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309",
        "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
        "4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
        "de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b",
        "bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042",
        "2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08",
        "f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22",
        "8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731",
        "2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b",
        "3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
        "a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220",
        "d483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e",
        "8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32",
        "32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b",
        "227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165",
        "5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e",
        "445425117cb8c90edcbc7c1cc0e74f747f2c1efa5630a967c64f287792a48a4b",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ]

    /// RFC 9496 A.3: SHA-512 of each label through the one-way map.
    static let mappedLabels = [
        ("Ristretto is traditionally a short shot of espresso coffee",
         "3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46"),
        ("made with the normal amount of ground coffee but extracted with",
         "f26e5b6f7d362d2d2a94c5d0e7602cb4773c95a2e5c31a64f133189fa76ed61b"),
        ("about half the amount of water in the same amount of time",
         "006ccd2a9e6867e6a2c5cea83d3302cc9de128dd2a9a57dd8ee7b9d7ffe02826"),
        ("by using a finer grind.", "f8f0c87cf237953c5890aec3998169005dae3eca1fbb04548c635953c817f92a"),
        ("This produces a concentrated shot of coffee per volume.",
         "ae81e7dedf20a497e10c304a765c1767a42d6e06029758d2d7e8ef7cc4c41179"),
        ("Just pulling a normal shot short will produce a weaker shot",
         "e2705652ff9f5e44d3e841bf1c251cf7dddb77d140870d1ab2ed64f1a9ce8628"),
        ("and is not a Ristretto as some believe.", "80bd07262511cdde4863f8a7434cef696750681cb9510eea557088f76d9e5065"),
    ]

    private func scalar(_ value: UInt8) throws -> Ristretto255Scalar {
        try group.deserializeScalar([value] + [UInt8](repeating: 0, count: 31))
    }

    @Test("k·B for k = 1...15 is RFC 9496 A.1, by multiplication and by repeated addition")
    func smallMultiplesOfTheGenerator() throws {
        #expect(group.serialize(group.generator) == [UInt8](hex: Self.smallMultiples[1]))
        var sum = group.generator
        for k in 1...15 {
            let expected = [UInt8](hex: Self.smallMultiples[k])
            #expect(group.serialize(try group.multiplyGenerator(by: try scalar(UInt8(k)))) == expected, "\(k)·B")
            #expect(group.serialize(sum) == expected, "B + ... + B, \(k) times")
            #expect(group.serialize(try group.deserializeElement(expected)) == expected, "round trip of \(k)·B")
            sum = try group.add(sum, group.generator)
        }
    }

    @Test("the identity is refused: decoding it, producing it by 0·B, a + (-a) or a - a")
    func identityIsRefused() throws {
        #expect(throws: OPAQUEError.invalidElement) { try group.deserializeElement([UInt8](repeating: 0, count: 32)) }
        #expect(throws: OPAQUEError.invalidScalar) { try group.deserializeScalar([UInt8](repeating: 0, count: 32)) }
        let a = try group.multiplyGenerator(by: try scalar(7))
        #expect(throws: CryptoError.invalidPoint) { try group.subtract(a, a) }
        // (L - 7)·B = -(7·B), so adding 7·B gives the identity.
        var minusSeven = Ristretto255.order
        minusSeven[0] -= 7
        let negated = try group.multiplyGenerator(by: try group.deserializeScalar(minusSeven))
        #expect(throws: CryptoError.invalidPoint) { try group.add(a, negated) }
        #expect(try group.add(a, a) == group.multiplyGenerator(by: try scalar(14)))
    }

    @Test("RFC 9496 A.2's bad encodings are refused", arguments: badEncodings)
    func badEncodingIsRefused(_ encoding: String) {
        #expect(throws: OPAQUEError.invalidElement) { try group.deserializeElement([UInt8](hex: encoding)) }
    }

    @Test("an element of the wrong length is refused as such")
    func wrongLengthIsRefused() throws {
        let basepoint = [UInt8](hex: Self.smallMultiples[1])
        #expect(throws: OPAQUEError.invalidLength) { try group.deserializeElement(Array(basepoint.dropLast())) }
        #expect(throws: OPAQUEError.invalidLength) { try group.deserializeElement(basepoint + [0]) }
        #expect(throws: OPAQUEError.invalidLength) { try group.deserializeScalar([1]) }
    }

    @Test("the one-way map of SHA-512(label) is RFC 9496 A.3", arguments: mappedLabels)
    func oneWayMap(_ label: String, _ encoding: String) throws {
        let element = try group.elementFromUniformBytes(SHA512.hash(label.utf8Bytes))
        #expect(group.serialize(element) == [UInt8](hex: encoding))
        let twin = try group.elementFromUniformBytes(SHA512.hash(label.utf8Bytes).flippingBit(ofByte: 40))
        #expect(group.serialize(twin) != [UInt8](hex: encoding))
    }

    /// RFC 9497 A.1.1 (ristretto255-SHA512, OPRF mode): BlindedElement = blind · HashToGroup(input), so
    /// HashToGroup(input) = blind⁻¹ · BlindedElement pins the hash-to-group step alone.
    @Test("hash_to_group matches RFC 9497 A.1.1's blinded inputs", arguments: [
        ("00", "609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c"),
        ("5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a", "da27ef466870f5f15296299850aa088629945a17d1f5b7f5ff043f76b3c06418"),
    ])
    func hashToGroupVector(_ input: String, _ blindedElement: String) throws {
        let dst = Array("HashToGroup-OPRFV1-\u{0}-ristretto255-SHA512".utf8)
        let blind = try group.deserializeScalar(
            [UInt8](hex: "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706"))
        let expected = try group.multiply(try group.deserializeElement([UInt8](hex: blindedElement)),
                                          by: try group.invert(blind))
        #expect(try group.hashToGroup([UInt8](hex: input), dst: dst) == expected)
        #expect(try group.hashToGroup([UInt8](hex: input).flippingBit(ofByte: 0), dst: dst) != expected)
        #expect(try group.hashToGroup([UInt8](hex: input), dst: dst.flippingBit(ofByte: 0)) != expected)
    }

    @Test("scalars: exactly [1, L-1] decode; L, 2^256-1 and 0 do not; 64-byte reduction wraps at L")
    func scalarRange() throws {
        var belowOrder = Ristretto255.order
        belowOrder[0] -= 1
        #expect(group.serialize(try group.deserializeScalar(belowOrder)) == belowOrder)
        #expect(throws: OPAQUEError.invalidScalar) { try group.deserializeScalar(Ristretto255.order) }
        #expect(throws: OPAQUEError.invalidScalar) { try group.deserializeScalar([UInt8](repeating: 0xff, count: 32)) }
        let zero = try group.reduceScalar(Ristretto255.order + [UInt8](repeating: 0, count: 32))
        #expect(group.isZero(zero))
        #expect(throws: OPAQUEError.invalidScalar) { try group.invert(zero) }
        #expect(throws: OPAQUEError.invalidScalar) { try group.multiplyGenerator(by: zero) }
        var orderPlusOne = Ristretto255.order
        orderPlusOne[0] += 1
        let one = try group.reduceScalar(orderPlusOne + [UInt8](repeating: 0, count: 32))
        #expect(group.serialize(one) == [1] + [UInt8](repeating: 0, count: 31))
    }

    @Test("the group law: commutative, associative, distributive; inversion undoes multiplication")
    func groupLaw() throws {
        let dst = Array("coffer-ristretto255-group-law".utf8)
        let a = try group.hashToScalar([1], dst: dst)
        let b = try group.hashToScalar([2], dst: dst)
        let p = try group.hashToGroup([3], dst: dst)
        let q = try group.hashToGroup([4], dst: dst)
        let r = try group.hashToGroup([5], dst: dst)
        #expect(try group.add(p, q) == group.add(q, p))
        #expect(try group.add(group.add(p, q), r) == group.add(p, group.add(q, r)))
        #expect(try group.subtract(group.add(p, q), q) == p)
        // (a + b)·P = a·P + b·P and a·(b·P) = (a·b)·P.
        #expect(try group.multiply(p, by: group.addScalars(a, b)) == group.add(group.multiply(p, by: a),
                                                                                group.multiply(p, by: b)))
        #expect(try group.multiply(group.multiply(p, by: b), by: a)
                == group.multiply(p, by: group.multiplyScalars(a, b)))
        #expect(try group.multiplyGenerator(by: a) == group.multiply(group.generator, by: a))
        #expect(try group.multiply(group.multiply(p, by: a), by: group.invert(a)) == p)
        // a·P differs from b·P, and from a·Q: the twins.
        #expect(try group.multiply(p, by: a) != group.multiply(p, by: b))
        #expect(try group.multiply(p, by: a) != group.multiply(q, by: a))
    }

    @Test("expand_message_xmd with SHA-512 hashes an oversize DST and refuses impossible lengths")
    func expandMessageLimits() throws {
        let dst = Array("QUUX-V01-CS02-with-expander-SHA512-256".utf8)
        let longDST = [UInt8](repeating: 0x41, count: 300)
        let hashedDST = SHA512.hash(Array("H2C-OVERSIZE-DST-".utf8) + longDST)
        #expect(try ExpandMessageXMD<SHA512>.expand([1, 2], dst: longDST, length: 64)
                == ExpandMessageXMD<SHA512>.expand([1, 2], dst: hashedDST, length: 64))
        #expect(try ExpandMessageXMD<SHA512>.expand([], dst: dst, length: 255 * 64).count == 255 * 64)
        #expect(throws: CryptoError.invalidLength) {
            try ExpandMessageXMD<SHA512>.expand([], dst: dst, length: 255 * 64 + 1)
        }
        // RFC 9380 K.3's first SHA-512 vector (msg "", len 0x20).
        #expect(try ExpandMessageXMD<SHA512>.expand([], dst: dst, length: 32)
                == [UInt8](hex: "6b9a7312411d92f921c6f68ca0b6380730a1a4d982c507211a90964c394179ba"))
    }
}
