import Foundation

/// Checks test-vector files against Coffer's implementations of RFC 9380 (expand_message_xmd with
/// SHA-256 and SHA-512, hash_to_curve for P-256), RFC 9497 (OPRF P256-SHA256 and ristretto255-SHA512)
/// and RFC 9807 (OPAQUE-3DH P256-SHA256 with KSF Identity or scrypt, ristretto255-SHA512 with KSF
/// Identity or Argon2id as opaque-ke configures it).
///
/// A file may hold any number of entries in one of the four formats of the CFRG documents; the
/// format is recognised from the content, not the file name. Each entry is reported as passed or
/// with the first field that disagrees.
public enum VectorChecker {
    /// Reads and checks the file at `path`.
    public static func check(fileAt path: String) throws(VectorFileError) -> VectorReport {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path) }
        return try check(json: data)
    }

    /// Checks a vector document held in memory.
    public static func check(json data: Data) throws(VectorFileError) -> VectorReport {
        guard let document = try? JSONSerialization.jsonObject(with: data) else { throw .notJSON }
        let kind = try recognise(document)
        switch kind {
        case .expandMessageXMD:
            return VectorReport(kind: kind, entries: HashToCurveVectors.checkExpandMessage(JSONFields(document as! [String: Any])))
        case .hashToCurve:
            return VectorReport(kind: kind, entries: HashToCurveVectors.checkHashToCurve(JSONFields(document as! [String: Any])))
        case .oprf:
            return VectorReport(kind: kind, entries: OPRFVectors.check(asList(document)))
        case .opaque:
            return VectorReport(kind: kind, entries: OPAQUEVectors.check(asList(document)))
        case .wycheproof:
            return VectorReport(kind: kind, entries: WycheproofVectors.check(JSONFields(document as! [String: Any])))
        }
    }

    /// The format of a parsed document, from the fields its entries carry.
    public static func recognise(_ document: Any) throws(VectorFileError) -> VectorFileKind {
        if let object = document as? [String: Any] {
            if let tests = object["tests"] as? [[String: Any]], tests.contains(where: { $0["uniform_bytes"] != nil }) {
                return .expandMessageXMD
            }
            if let vectors = object["vectors"] as? [[String: Any]] {
                if vectors.contains(where: { $0["P"] != nil && $0["u"] != nil }) { return .hashToCurve }
                if object["seed"] != nil, vectors.contains(where: { $0["BlindedElement"] != nil }) { return .oprf }
            }
            if object["config"] != nil, object["inputs"] != nil { return .opaque }
            if object["algorithm"] != nil, object["testGroups"] is [Any] { return .wycheproof }
            throw .unknownShape
        }
        guard let list = document as? [[String: Any]], let first = list.first else { throw .unknownShape }
        if first["config"] != nil, first["inputs"] != nil, first["outputs"] != nil { return .opaque }
        if first["seed"] != nil, first["vectors"] != nil { return .oprf }
        throw .unknownShape
    }

    /// A top-level list, or a single object standing for a list of one.
    private static func asList(_ document: Any) -> [Any] {
        (document as? [Any]) ?? [document]
    }
}
