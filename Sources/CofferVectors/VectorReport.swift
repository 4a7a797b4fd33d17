/// Which of the four test-vector formats a file holds, recognised from its content.
public enum VectorFileKind: String, Sendable {
    /// RFC 9380 expand_message_xmd: an object with `tests` holding `uniform_bytes`.
    case expandMessageXMD = "expand_message_xmd"
    /// RFC 9380 hash_to_curve: an object with `vectors` holding `u`, `Q0`, `Q1`, `P`.
    case hashToCurve = "hash_to_curve"
    /// RFC 9497 OPRF: a list of suites, each with `seed`, `keyInfo` and `vectors`.
    case oprf = "OPRF"
    /// RFC 9807 OPAQUE: a list of runs, each with `config`, `inputs`, `intermediates`, `outputs`.
    case opaque = "OPAQUE"
    /// Project Wycheproof: an object with `algorithm` and `testGroups` (AES-GCM, HMAC-SHA256, HKDF-SHA256,
    /// P-256 ECDH on SEC1 points, ECDSA P-256 P1363), each test run on both crypto engines.
    case wycheproof = "Wycheproof"
}

/// The first field of an entry that did not come out as the file says, and why.
public struct VectorMismatch: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field's name as the file spells it (`KE2`, `handshake_secret`, `u[1]`, `P.x`, ...).
    public let field: String
    /// What went wrong: the expected and computed values, a refusal, or an unusable input.
    public let reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}

/// The outcome of one entry of a vector file.
public struct VectorEntryResult: Sendable, Equatable, CustomStringConvertible {
    /// Position among the file's entries, from 0, in file order.
    public let index: Int
    /// A readable name for the entry (e.g. `vectors[1] msg="abc"`).
    public let name: String
    /// nil when every field agreed.
    public let mismatch: VectorMismatch?

    public var isOK: Bool { mismatch == nil }

    public var description: String {
        if let mismatch { return "entry \(index) (\(name)): FAIL \(mismatch)" }
        return "entry \(index) (\(name)): ok"
    }
}

/// Every entry of one vector file, checked.
public struct VectorReport: Sendable, CustomStringConvertible {
    public let kind: VectorFileKind
    public let entries: [VectorEntryResult]

    /// True when the file had entries and all of them passed.
    public var allPassed: Bool { !entries.isEmpty && entries.allSatisfy(\.isOK) }

    /// The first entry that failed, if any.
    public var firstFailure: VectorEntryResult? { entries.first { !$0.isOK } }

    public var description: String {
        let failed = entries.filter { !$0.isOK }.count
        let header = "\(kind.rawValue): \(entries.count - failed) passed, \(failed) failed"
        return ([header] + entries.map { "  \($0)" }).joined(separator: "\n")
    }
}

/// Why a file could not be checked at all.
public enum VectorFileError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String)
    case notJSON
    case unknownShape

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read \(path)"
        case .notJSON: "not a JSON document"
        case .unknownShape: "not one of the known vector formats (expand_message_xmd, hash_to_curve, OPRF, OPAQUE, Wycheproof)"
        }
    }
}
