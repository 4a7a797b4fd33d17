import CofferPureCrypto
import CofferVectors
import Foundation
import Testing

@Suite("Vectors through the pure engine")
struct VectorTests {
    /// Every applicable Wycheproof file, each test on both engines (OpenSSL and pure) through the same
    /// checker as `cofferctl dev vectors`: valid agrees, invalid is refused, acceptable returns.
    @Test("Wycheproof: both engines agree with every valid and invalid test", arguments: [
        "aes_gcm_test.json", "ecdh_secp256r1_ecpoint_test.json", "ecdsa_secp256r1_sha256_p1363_test.json",
        "hkdf_sha256_test.json", "hmac_sha256_test.json", "aes_kwp_test.json",
    ])
    func wycheproof(name: String) throws {
        let path = Paths.vectors.appendingPathComponent("wycheproof/\(name)").path
        let report = try VectorChecker.check(fileAt: path)
        #expect(report.kind == .wycheproof)
        #expect(report.entries.count > 100, "\(name): only \(report.entries.count) tests ran")
        let engines = Set(report.entries.compactMap { $0.name.split(separator: "[").last.map(String.init) })
        #expect(engines == ["openssl]", "pure]"])
        for entry in report.entries where !entry.isOK { Issue.record("\(name): \(entry)") }
    }

    /// The checker can fail: a valid AES-GCM tag edited by one bit is reported on both engines.
    @Test("an edited Wycheproof copy fails")
    func editedWycheproofFails() throws {
        let document: [String: Any] = [
            "algorithm": "AES-GCM",
            "testGroups": [[
                "keySize": 256, "ivSize": 96, "tagSize": 128,
                "tests": [[
                    "tcId": 1, "result": "valid", "key": String(repeating: "00", count: 32),
                    "iv": String(repeating: "00", count: 12), "aad": "", "msg": "",
                    "ct": "", "tag": "530f8afbc74536b9a963b4f1c4cb738c",  // the right one ends 8b
                ]],
            ]],
        ]
        let report = try VectorChecker.check(json: JSONSerialization.data(withJSONObject: document))
        #expect(report.entries.count == 2)
        #expect(report.entries.allSatisfy { !$0.isOK })
    }

    /// RFC 9380 (expand_message_xmd SHA-256, hash_to_curve), RFC 9497 (OPRF) and RFC 9807 (OPAQUE) P-256
    /// files, run through `PureP256SHA256Suite` by the checker's generic runners.
    @Test("RFC vectors of P256-SHA256 through the pure suite", arguments: [
        "expand-message-xmd-SHA256-38.json", "hash-to-curve-P256_XMD-SHA-256_SSWU_RO_.json", "oprf-P256-SHA256.json",
        "opaque-3dh-P256-SHA256.json",
    ])
    func rfcVectors(name: String) throws {
        let report = try PureEngineVectors.check(fileAt: Paths.vectors.appendingPathComponent(name).path)
        #expect(!report.entries.isEmpty)
        for entry in report.entries { #expect(entry.isOK, "\(name): \(entry)") }
    }

    /// RFC 6979 A.2.5, P-256 with SHA-256, message "sample": the deterministic nonce gives this (r, s).
    @Test("RFC 6979 A.2.5 P-256/SHA-256 signature")
    func rfc6979() throws {
        let key = hex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721")
        let signature = try PureECDSA.sign(privateKey: key, message: Array("sample".utf8))
        #expect(signature == hex("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716")
            + hex("F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"))
        let publicKey = try PureECDSA.publicKey(privateKey: key)
        #expect(publicKey == [0x03] + hex("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"))
        try PureECDSA.verify(signature: signature, message: Array("sample".utf8), publicKey: publicKey)
        var flipped = signature
        flipped[5] ^= 1
        #expect(throws: PureECDSA.Failure.invalidSignature) {
            try PureECDSA.verify(signature: flipped, message: Array("sample".utf8), publicKey: publicKey)
        }
    }

    @Test("SHA-256 and AES-256 known answers (FIPS 180-4, FIPS 197 C.3)")
    func knownAnswers() {
        #expect(PureSHA256.hash(Array("abc".utf8))
            == hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        let cipher = PureAES256(key: hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"))!
        #expect(cipher.encrypt(hex("00112233445566778899aabbccddeeff")) == hex("8ea2b7ca516745bfeafc49904b496089"))
    }

    @Test("point decoding refuses the identity, off-curve points, x ≥ p and bad prefixes")
    func pointDecodingRefusals() {
        let g = PureP256Point.generatorMultiple(PureP256Scalar(reducing: [1]))
        let compressed = g.compressed!, uncompressed = g.uncompressed!
        #expect(PureP256Point(sec1: compressed) != nil)
        #expect(PureP256Point(sec1: uncompressed) != nil)
        #expect(PureP256Point(sec1: [0x00]) == nil)
        #expect(PureP256Point(sec1: [0x04] + [UInt8](repeating: 0, count: 64)) == nil)
        var offCurve = uncompressed
        offCurve[64] ^= 1
        #expect(PureP256Point(sec1: offCurve) == nil)
        #expect(PureP256Point(sec1: [0x02] + [UInt8](repeating: 0xFF, count: 32)) == nil)
        #expect(PureP256Point(sec1: [0x05] + Array(compressed[1...])) == nil)
        #expect(PureP256Point(sec1: Array(uncompressed.prefix(64))) == nil)
    }
}
