import CofferCrypto
import CofferPureCrypto
import Foundation
import OPAQUE

/// The RFC 9380, 9497 and 9807 P-256 vector files run through the pure-Swift engine
/// (`PureP256SHA256Suite`) with the same generic runners as CofferCrypto's suites, so the device-side
/// suite of a board without OpenSSL is held to the same bytes. Entries for other suites or for a KSF
/// other than Identity (the pure suite stretches nothing) are reported as failures, not skipped.
public enum PureEngineVectors {
    /// Reads and checks the file at `path` with the pure engine.
    public static func check(fileAt path: String) throws(VectorFileError) -> VectorReport {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path) }
        guard let document = try? JSONSerialization.jsonObject(with: data) else { throw .notJSON }
        let kind = try VectorChecker.recognise(document)
        let list = (document as? [Any]) ?? [document]
        switch kind {
        case .hashToCurve:
            return VectorReport(kind: kind, entries: checkHashToCurve(JSONFields(document as! [String: Any])))
        case .expandMessageXMD:
            return VectorReport(kind: kind, entries: checkExpandMessage(JSONFields(document as! [String: Any])))
        case .oprf:
            return VectorReport(kind: kind, entries: checkOPRF(list))
        case .opaque:
            return VectorReport(kind: kind, entries: checkOPAQUE(list))
        case .wycheproof:
            return VectorReport(kind: kind, entries: WycheproofVectors.check(JSONFields(document as! [String: Any])))
        }
    }

    private static func checkExpandMessage(_ file: JSONFields) -> [VectorEntryResult] {
        let tests = (try? file.array("tests")) ?? []
        return tests.enumerated().map { index, test in
            runEntry(index: index, name: "tests[\(index)]") { () throws(VectorMismatch) in
                guard (file.optionalString("hash") ?? "SHA256").uppercased() == "SHA256" else {
                    throw VectorMismatch(field: "hash", reason: "the pure engine has SHA-256 only")
                }
                let fields = try JSONFields(test, field: "tests[\(index)]")
                guard let text = fields.optionalString("len_in_bytes"),
                      let length = Int(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text,
                                       radix: text.hasPrefix("0x") ? 16 : 10)
                else { throw VectorMismatch(field: "len_in_bytes", reason: "missing or not a number") }
                let uniform = PureP256HashToCurve.expandMessageXMD(
                    Array(try fields.string("msg").utf8), dst: Array(try file.string("DST").utf8), length: length)
                guard let uniform else { throw VectorMismatch(field: "uniform_bytes", reason: "refused") }
                try fields.expect("uniform_bytes", uniform)
            }
        }
    }

    private static func checkHashToCurve(_ file: JSONFields) -> [VectorEntryResult] {
        let vectors = (try? file.array("vectors")) ?? []
        return vectors.enumerated().map { index, vector in
            runEntry(index: index, name: "vectors[\(index)]") { () throws(VectorMismatch) in
                guard try file.string("ciphersuite") == "P256_XMD:SHA-256_SSWU_RO_" else {
                    throw VectorMismatch(field: "ciphersuite", reason: "unsupported")
                }
                let dst = Array(try file.string("dst").utf8)
                let fields = try JSONFields(vector, field: "vectors[\(index)]")
                let msg = Array(try fields.string("msg").utf8)
                guard let u = PureP256HashToCurve.hashToFieldBytes(msg, dst: dst) else {
                    throw VectorMismatch(field: "u", reason: "refused")
                }
                let expectedU = try fields.array("u")
                for i in 0..<2 {
                    guard let text = expectedU[i] as? String, let want = Hex.decodeInteger(text, length: 32) else {
                        throw VectorMismatch(field: "u[\(i)]", reason: "not a field element")
                    }
                    try JSONFields.compare("u[\(i)]", expected: want, actual: u[i])
                }
                try expectPoint("Q0", fields, PureP256HashToCurve.mapToCurve(bytes: u[0]))
                try expectPoint("Q1", fields, PureP256HashToCurve.mapToCurve(bytes: u[1]))
                try expectPoint("P", fields, PureP256HashToCurve.hashToCurve(msg, dst: dst))
            }
        }
    }

    private static func expectPoint(_ name: String, _ fields: JSONFields, _ point: PureP256Point?)
        throws(VectorMismatch)
    {
        guard fields.has(name) else { return }
        guard let (x, y) = point?.affineCoordinates else { throw VectorMismatch(field: name, reason: "no point") }
        let expected = try fields.object(name)
        for (coordinate, value) in [("x", x), ("y", y)] {
            guard let text = expected.optionalString(coordinate), let want = Hex.decodeInteger(text, length: 32) else {
                throw VectorMismatch(field: "\(name).\(coordinate)", reason: "missing or not a coordinate")
            }
            try JSONFields.compare("\(name).\(coordinate)", expected: want, actual: value)
        }
    }

    private static func checkOPRF(_ suites: [Any]) -> [VectorEntryResult] {
        var results: [VectorEntryResult] = []
        for (suiteIndex, suiteValue) in suites.enumerated() {
            let fields = JSONFields((suiteValue as? [String: Any]) ?? [:])
            for (vectorIndex, vector) in ((try? fields.array("vectors")) ?? []).enumerated() {
                results.append(runEntry(index: results.count, name: "suite[\(suiteIndex)] vectors[\(vectorIndex)]") {
                    () throws(VectorMismatch) in
                    guard try fields.string("identifier") == "P256-SHA256", try fields.string("mode") == "0" else {
                        throw VectorMismatch(field: "identifier", reason: "the pure engine runs P256-SHA256 mode 0")
                    }
                    try OPRFVectors.checkVector(PureP256SHA256Suite(), suite: fields,
                                                vector: try JSONFields(vector, field: "vectors[\(vectorIndex)]"))
                })
            }
        }
        return results
    }

    private static func checkOPAQUE(_ runs: [Any]) -> [VectorEntryResult] {
        runs.enumerated().map { index, run in
            runEntry(index: index, name: "[\(index)]") { () throws(VectorMismatch) in
                let fields = try JSONFields(run, field: "run")
                let config = try fields.object("config")
                // The same config checks as CofferCrypto's suite; only the Identity KSF applies here.
                _ = try OPAQUEVectors.p256Suite(for: config)
                guard config.optionalString("KSF") == "Identity" else {
                    throw VectorMismatch(field: "config.KSF", reason: "the pure suite has the Identity KSF only")
                }
                let entry = try OPAQUEVectors.Entry(fields: fields)
                if config.optionalString("Fake") == "True" {
                    try OPAQUEVectors.checkFake(entry, suite: PureP256SHA256Suite())
                } else {
                    try OPAQUEVectors.checkReal(entry, suite: PureP256SHA256Suite())
                }
            }
        }
    }
}
