import CofferCrypto
import OPAQUE

/// RFC 9497 files: per suite a key derived from `seed` and `keyInfo`, then per vector the blinded
/// and evaluated elements and the output. Mode 0 (OPRF) with P256-SHA256 or ristretto255-SHA512.
enum OPRFVectors {
    static func check(_ suites: [Any]) -> [VectorEntryResult] {
        var results: [VectorEntryResult] = []
        for (suiteIndex, suiteValue) in suites.enumerated() {
            let suiteFields = JSONFields((suiteValue as? [String: Any]) ?? [:])
            let identifier = suiteFields.optionalString("identifier") ?? "?"
            let vectors = (try? suiteFields.array("vectors")) ?? []
            for (vectorIndex, vector) in vectors.enumerated() {
                let name = "suite[\(suiteIndex)] \(identifier) mode \(suiteFields.optionalString("mode") ?? "?") vectors[\(vectorIndex)]"
                results.append(runEntry(index: results.count, name: name) { () throws(VectorMismatch) in
                    try checkVector(suite: suiteFields, vector: try JSONFields(vector, field: "vectors[\(vectorIndex)]"))
                })
            }
        }
        return results
    }

    private static func checkVector(suite fields: JSONFields, vector: JSONFields) throws(VectorMismatch) {
        let identifier = try fields.string("identifier")
        guard try fields.string("mode") == "0" else {
            throw VectorMismatch(field: "mode", reason: "only mode 0 (OPRF) is supported")
        }
        switch identifier {
        case "P256-SHA256":
            try checkVector(P256SHA256Suite(keyStretching: .identity), suite: fields, vector: vector)
        case "ristretto255-SHA512":
            try checkVector(Ristretto255SHA512Suite(keyStretching: .identity), suite: fields, vector: vector)
        default:
            throw VectorMismatch(field: "identifier", reason: "unsupported suite \(identifier)")
        }
    }

    static func checkVector<Suite: OPAQUECiphersuite>(
        _ suite: Suite, suite fields: JSONFields, vector: JSONFields
    ) throws(VectorMismatch) {
        let oprf = OPRF(suite: suite)
        try fields.expect("groupDST", Array("HashToGroup-".utf8) + oprf.contextString)
        let keyPair = try produce("skSm") {
            try oprf.deriveKeyPair(seed: try fields.hex("seed"), info: try fields.hex("keyInfo"))
        }
        try fields.expect("skSm", suite.group.serialize(keyPair.privateKey))
        try fields.expect("pkSm", keyPair.publicKey)

        // A batch lists its items comma-separated in every per-item field.
        let inputs = try items(vector, "Input")
        let blinds = try items(vector, "Blind")
        guard blinds.count == inputs.count else { throw VectorMismatch(field: "Blind", reason: "batch size differs") }
        var blinded: [[UInt8]] = [], evaluated: [[UInt8]] = [], outputs: [[UInt8]] = []
        for (input, blindBytes) in zip(inputs, blinds) {
            let blind = try produce("Blind") { try suite.group.deserializeScalar(blindBytes) }
            let blindedElement = try produce("BlindedElement") {
                try oprf.blind(input, blind: blind)
            }
            blinded.append(suite.group.serialize(blindedElement))
            let evaluatedElement = try produce("EvaluationElement") {
                try oprf.blindEvaluate(key: keyPair.privateKey, blindedElement: blindedElement)
            }
            evaluated.append(suite.group.serialize(evaluatedElement))
            outputs.append(try produce("Output") {
                try oprf.finalize(input, blind: blind, evaluatedElement: evaluatedElement)
            })
        }
        try expectItems(vector, "BlindedElement", blinded)
        try expectItems(vector, "EvaluationElement", evaluated)
        try expectItems(vector, "Output", outputs)
    }

    private static func items(_ vector: JSONFields, _ key: String) throws(VectorMismatch) -> [[UInt8]] {
        var result: [[UInt8]] = []
        for part in try vector.string(key).split(separator: ",", omittingEmptySubsequences: false) {
            guard let bytes = Hex.decode(String(part)) else { throw VectorMismatch(field: key, reason: "not hex") }
            result.append(bytes)
        }
        return result
    }

    private static func expectItems(_ vector: JSONFields, _ key: String, _ actual: [[UInt8]]) throws(VectorMismatch) {
        guard vector.has(key) else { return }
        let expected = try items(vector, key)
        guard expected.count == actual.count else { throw VectorMismatch(field: key, reason: "batch size differs") }
        for (want, got) in zip(expected, actual) { try JSONFields.compare(key, expected: want, actual: got) }
    }
}
