import CofferCrypto

/// RFC 9380 files: expand_message_xmd (SHA-256, SHA-512) and hash_to_curve (P256_XMD:SHA-256_SSWU_RO_).
enum HashToCurveVectors {
    static func checkExpandMessage(_ file: JSONFields) -> [VectorEntryResult] {
        let tests = (try? file.array("tests")) ?? []
        return tests.enumerated().map { index, test in
            let message = ((test as? [String: Any])?["msg"] as? String) ?? ""
            return runEntry(index: index, name: "tests[\(index)] msg=\"\(message.prefix(24))\"") { () throws(VectorMismatch) in
                let hash = file.optionalString("hash")?.uppercased() ?? "SHA256"
                guard hash == "SHA256" || hash == "SHA512" else {
                    throw VectorMismatch(field: "hash", reason: "unsupported hash \(hash)")
                }
                let dst = Array(try file.string("DST").utf8)
                let fields = try JSONFields(test, field: "tests[\(index)]")
                let msg = Array(try fields.string("msg").utf8)
                guard let lengthText = fields.optionalString("len_in_bytes"),
                      let length = Int(lengthText.hasPrefix("0x") ? String(lengthText.dropFirst(2)) : lengthText,
                                       radix: lengthText.hasPrefix("0x") ? 16 : 10)
                else { throw VectorMismatch(field: "len_in_bytes", reason: "missing or not a number") }
                if hash == "SHA256" {
                    try check(ExpandMessageXMD<SHA256>.self, fields: fields, msg: msg, dst: dst, length: length)
                } else {
                    try check(ExpandMessageXMD<SHA512>.self, fields: fields, msg: msg, dst: dst, length: length)
                }
            }
        }
    }

    /// One expand_message_xmd entry with hash `H`: DST_prime, msg_prime and the uniform bytes.
    private static func check<H: HashFunction>(
        _ expander: ExpandMessageXMD<H>.Type, fields: JSONFields, msg: [UInt8], dst: [UInt8], length: Int
    ) throws(VectorMismatch) {
        let dstPrime = expander.dstPrime(dst)
        try fields.expect("DST_prime", dstPrime)
        try fields.expect("msg_prime", expander.messagePrime(msg, length: length, dstPrime: dstPrime))
        let uniform = try produce("uniform_bytes") { try expander.expand(msg, dst: dst, length: length) }
        try fields.expect("uniform_bytes", uniform)
    }

    static func checkHashToCurve(_ file: JSONFields) -> [VectorEntryResult] {
        let vectors = (try? file.array("vectors")) ?? []
        return vectors.enumerated().map { index, vector in
            let message = ((vector as? [String: Any])?["msg"] as? String) ?? ""
            return runEntry(index: index, name: "vectors[\(index)] msg=\"\(message.prefix(24))\"") { () throws(VectorMismatch) in
                let suite = try file.string("ciphersuite")
                guard suite == "P256_XMD:SHA-256_SSWU_RO_" else {
                    throw VectorMismatch(field: "ciphersuite", reason: "unsupported suite \(suite)")
                }
                let dst = Array(try file.string("dst").utf8)
                let fields = try JSONFields(vector, field: "vectors[\(index)]")
                let msg = Array(try fields.string("msg").utf8)
                let u = try produce("u") { try P256HashToCurve.hashToField(msg, dst: dst, count: 2) }
                if fields.has("u") {
                    let expected = try fields.array("u")
                    guard expected.count == 2 else { throw VectorMismatch(field: "u", reason: "expected two elements") }
                    for i in 0..<2 {
                        guard let text = expected[i] as? String, let value = Hex.decodeInteger(text, length: 32) else {
                            throw VectorMismatch(field: "u[\(i)]", reason: "not a field element")
                        }
                        try JSONFields.compare("u[\(i)]", expected: value, actual: u[i])
                    }
                }
                let group = P256()
                let q0 = try produce("Q0") { try P256HashToCurve.mapToCurve(u[0]) }
                try expectPoint("Q0", in: fields, q0, group)
                let q1 = try produce("Q1") { try P256HashToCurve.mapToCurve(u[1]) }
                try expectPoint("Q1", in: fields, q1, group)
                let p = try produce("P") { try P256HashToCurve.hashToCurve(msg, dst: dst) }
                try expectPoint("P", in: fields, p, group)
            }
        }
    }

    private static func expectPoint(_ name: String, in fields: JSONFields, _ point: P256Element, _ group: P256)
        throws(VectorMismatch)
    {
        guard fields.has(name) else { return }
        let expected = try fields.object(name)
        let actual = try produce(name) { try group.affineCoordinates(point) }
        for (coordinate, value) in [("x", actual.x), ("y", actual.y)] {
            guard let text = expected.optionalString(coordinate), let want = Hex.decodeInteger(text, length: 32) else {
                throw VectorMismatch(field: "\(name).\(coordinate)", reason: "missing or not a coordinate")
            }
            try JSONFields.compare("\(name).\(coordinate)", expected: want, actual: value)
        }
    }
}
