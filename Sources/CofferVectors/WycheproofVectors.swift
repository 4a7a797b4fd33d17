import CofferCrypto
import CofferPureCrypto
import OPAQUE

/// Project Wycheproof files (schema v1: `algorithm`, `testGroups[].tests[]` with `tcId` and `result`).
/// Every applicable test runs on both crypto engines, CofferCrypto (OpenSSL) and CofferPureCrypto:
/// `valid` must produce the expected output, `invalid` must be refused, `acceptable` may go either way
/// but must not crash. Tests outside what Coffer offers (AES keys other than 256 bits, nonces other
/// than 96 bits, tags other than 128 bits, key-wrap KEKs other than 256 bits) are left out of the report.
enum WycheproofVectors {
    static func check(_ file: JSONFields) -> [VectorEntryResult] {
        let algorithm = file.optionalString("algorithm") ?? "?"
        let engines: [(String, any WycheproofEngine)] = [("openssl", OpenSSLWycheproofEngine()),
                                                         ("pure", PureWycheproofEngine())]
        var results: [VectorEntryResult] = []
        let groups = (try? file.array("testGroups")) ?? []
        for groupValue in groups {
            let group = JSONFields((groupValue as? [String: Any]) ?? [:])
            for testValue in (try? group.array("tests")) ?? [] {
                let test = JSONFields((testValue as? [String: Any]) ?? [:])
                guard applies(algorithm: algorithm, group: group) else { continue }
                let id = test.optionalString("tcId") ?? "?"
                let expected = test.optionalString("result") ?? "?"
                for (name, engine) in engines {
                    let entryName = "\(algorithm) tcId \(id) (\(expected)) [\(name)]"
                    results.append(runEntry(index: results.count, name: entryName) { () throws(VectorMismatch) in
                        try checkTest(algorithm: algorithm, group: group, test: test, engine: engine)
                    })
                }
            }
        }
        if results.isEmpty {
            results.append(runEntry(index: 0, name: "\(algorithm)") { () throws(VectorMismatch) in
                throw VectorMismatch(field: "algorithm", reason: "no test this checker can run (\(algorithm))")
            })
        }
        return results
    }

    /// The groups Coffer's engines implement.
    private static func applies(algorithm: String, group: JSONFields) -> Bool {
        switch algorithm {
        case "AES-GCM":
            return group.optionalString("keySize") == "256" && group.optionalString("ivSize") == "96"
                && group.optionalString("tagSize") == "128"
        case "ECDH":
            return group.optionalString("curve") == "secp256r1" && group.optionalString("encoding") == "ecpoint"
        case "ECDSA":
            return group.optionalString("sha") == "SHA-256"
                && (try? group.object("publicKey").string("curve")) == "secp256r1"
        case "AES-KWP":
            return group.optionalString("keySize") == "256"
        case "HMACSHA256", "HKDF-SHA-256":
            return true
        default:
            return false
        }
    }

    private static func checkTest(algorithm: String, group: JSONFields, test: JSONFields,
                                  engine: any WycheproofEngine) throws(VectorMismatch) {
        let result = try test.string("result")
        guard result == "valid" || result == "invalid" || result == "acceptable" else {
            throw VectorMismatch(field: "result", reason: "unknown result \(result)")
        }
        // What the engine computed: nil when it refused.
        let expected: [UInt8]?
        let actual: [UInt8]?
        switch algorithm {
        case "AES-GCM":
            let key = try test.hex("key"), iv = try test.hex("iv"), aad = try test.hex("aad")
            let msg = try test.hex("msg"), sealed = try test.hex("ct") + test.hex("tag")
            if result == "valid" {
                try JSONFields.compare("ct", expected: sealed, actual: engine.sealAESGCM(key, iv, msg, aad) ?? [])
            }
            expected = msg
            actual = engine.openAESGCM(key, iv, sealed, aad)
        case "AES-KWP":
            let key = try test.hex("key"), msg = try test.hex("msg"), wrapped = try test.hex("ct")
            if result == "valid" {
                try JSONFields.compare("ct", expected: wrapped, actual: engine.aesKeyWrapPadded(key, msg) ?? [])
            }
            expected = msg
            actual = engine.aesKeyUnwrapPadded(key, wrapped)
        case "HMACSHA256":
            let tagBytes = (Int(group.optionalString("tagSize") ?? "256") ?? 256) / 8
            let tag = engine.hmacSHA256(key: try test.hex("key"), message: try test.hex("msg"))
            expected = try test.hex("tag")
            actual = Array(tag.prefix(tagBytes))
        case "HKDF-SHA-256":
            guard let size = Int(try test.string("size")) else { throw VectorMismatch(field: "size", reason: "NaN") }
            expected = try test.hex("okm")
            actual = engine.hkdfSHA256(ikm: try test.hex("ikm"), salt: try test.hex("salt"),
                                       info: try test.hex("info"), length: size)
        case "ECDH":
            expected = try test.hex("shared")
            actual = engine.ecdh(publicKey: try test.hex("public"), privateKey: try test.hex("private"))
        case "ECDSA":
            let publicKey = try group.object("publicKey").hex("uncompressed")
            expected = [1]
            actual = engine.ecdsaVerify(publicKey: publicKey, message: try test.hex("msg"),
                                        signature: try test.hex("sig")) ? [1] : nil
        default:
            throw VectorMismatch(field: "algorithm", reason: "unsupported \(algorithm)")
        }
        switch result {
        case "valid":
            guard let actual else { throw VectorMismatch(field: "result", reason: "valid, but refused") }
            try JSONFields.compare("output", expected: expected ?? [], actual: actual)
        case "invalid":
            // Refused, or (for MACs, whose invalid tags are wrong bytes) a different output.
            if let actual, actual == expected {
                throw VectorMismatch(field: "result", reason: "invalid, but accepted")
            }
        default:
            break  // acceptable: either outcome, as long as it returned
        }
    }
}

/// What a Wycheproof test needs from a crypto engine; nil or false means refused.
protocol WycheproofEngine {
    func sealAESGCM(_ key: [UInt8], _ nonce: [UInt8], _ plaintext: [UInt8], _ aad: [UInt8]) -> [UInt8]?
    func openAESGCM(_ key: [UInt8], _ nonce: [UInt8], _ sealed: [UInt8], _ aad: [UInt8]) -> [UInt8]?
    func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8]
    func hkdfSHA256(ikm: [UInt8], salt: [UInt8], info: [UInt8], length: Int) -> [UInt8]?
    /// The x coordinate of private·public; the public key is SEC1, compressed or uncompressed.
    func ecdh(publicKey: [UInt8], privateKey: [UInt8]) -> [UInt8]?
    func ecdsaVerify(publicKey: [UInt8], message: [UInt8], signature: [UInt8]) -> Bool
    /// RFC 5649 under an AES-256 KEK.
    func aesKeyWrapPadded(_ kek: [UInt8], _ plaintext: [UInt8]) -> [UInt8]?
    func aesKeyUnwrapPadded(_ kek: [UInt8], _ wrapped: [UInt8]) -> [UInt8]?
}

/// A private key as Wycheproof writes it (big-endian, maybe with a leading zero byte), as 32 bytes.
private func scalarBytes(_ bytes: [UInt8]) -> [UInt8]? {
    let trimmed = Array(bytes.drop(while: { $0 == 0 }))
    guard trimmed.count <= 32 else { return nil }
    return [UInt8](repeating: 0, count: 32 - trimmed.count) + trimmed
}

struct OpenSSLWycheproofEngine: WycheproofEngine {
    func sealAESGCM(_ key: [UInt8], _ nonce: [UInt8], _ plaintext: [UInt8], _ aad: [UInt8]) -> [UInt8]? {
        try? AESGCMKey(bytes: key).seal(plaintext, nonce: nonce, aad: aad)
    }
    func openAESGCM(_ key: [UInt8], _ nonce: [UInt8], _ sealed: [UInt8], _ aad: [UInt8]) -> [UInt8]? {
        try? AESGCMKey(bytes: key).open(sealed, nonce: nonce, aad: aad)
    }
    func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        HMACSHA256.authenticationCode(for: message, key: key)
    }
    func hkdfSHA256(ikm: [UInt8], salt: [UInt8], info: [UInt8], length: Int) -> [UInt8]? {
        try? HKDF<SHA256>.deriveKey(ikm: ikm, salt: salt, info: info, length: length)
    }
    func ecdh(publicKey: [UInt8], privateKey: [UInt8]) -> [UInt8]? {
        // libcrypto validates the point (ECDSAVerifyingKey), the group multiplies its compressed form.
        let group = P256()
        guard let key = try? ECDSAVerifyingKey(sec1: publicKey),
              let point = try? group.deserializeElement(key.compressedRepresentation),
              let bytes = scalarBytes(privateKey), let scalar = try? group.deserializeScalar(bytes),
              let shared = try? group.multiply(point, by: scalar)
        else { return nil }
        return try? group.affineCoordinates(shared).x
    }
    func ecdsaVerify(publicKey: [UInt8], message: [UInt8], signature: [UInt8]) -> Bool {
        (try? ECDSAVerifyingKey(sec1: publicKey))?.isValidSignature(signature, for: message) ?? false
    }
    func aesKeyWrapPadded(_ kek: [UInt8], _ plaintext: [UInt8]) -> [UInt8]? {
        try? AESKeyWrap.wrap(SecretBytes(plaintext), kek: SecretBytes(kek))
    }
    func aesKeyUnwrapPadded(_ kek: [UInt8], _ wrapped: [UInt8]) -> [UInt8]? {
        (try? AESKeyWrap.unwrap(wrapped, kek: SecretBytes(kek)))?.bytes
    }
}

struct PureWycheproofEngine: WycheproofEngine {
    func sealAESGCM(_ key: [UInt8], _ nonce: [UInt8], _ plaintext: [UInt8], _ aad: [UInt8]) -> [UInt8]? {
        try? PureAESGCM.seal(plaintext, key: key, nonce: nonce, aad: aad)
    }
    func openAESGCM(_ key: [UInt8], _ nonce: [UInt8], _ sealed: [UInt8], _ aad: [UInt8]) -> [UInt8]? {
        try? PureAESGCM.open(sealed, key: key, nonce: nonce, aad: aad)
    }
    func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        PureHMACSHA256.authenticationCode(for: message, key: key)
    }
    func hkdfSHA256(ikm: [UInt8], salt: [UInt8], info: [UInt8], length: Int) -> [UInt8]? {
        PureHKDFSHA256.deriveKey(ikm: ikm, salt: salt, info: info, length: length)
    }
    func ecdh(publicKey: [UInt8], privateKey: [UInt8]) -> [UInt8]? {
        guard let point = PureP256Point(sec1: publicKey), let bytes = scalarBytes(privateKey),
              let scalar = PureP256Scalar(bytes: bytes)
        else { return nil }
        return point.multiplied(by: scalar).affineCoordinates?.x
    }
    func ecdsaVerify(publicKey: [UInt8], message: [UInt8], signature: [UInt8]) -> Bool {
        (try? PureECDSA.verify(signature: signature, message: message, publicKey: publicKey)) != nil
    }
    func aesKeyWrapPadded(_ kek: [UInt8], _ plaintext: [UInt8]) -> [UInt8]? {
        try? PureAESKeyWrap.wrap(plaintext, kek: kek)
    }
    func aesKeyUnwrapPadded(_ kek: [UInt8], _ wrapped: [UInt8]) -> [UInt8]? {
        try? PureAESKeyWrap.unwrap(wrapped, kek: kek)
    }
}
