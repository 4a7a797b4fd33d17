import CofferVectors

/// The verdict on one entry of a vector file, or on a file that could not be checked at all.
public struct VectorVerdict: Sendable, Codable, Equatable {
    /// The file's path as given.
    public let file: String
    /// The entry's position in the file, from 0; nil for a file-level error.
    public let index: Int?
    /// The entry's readable name; nil for a file-level error.
    public let name: String?
    /// True when every field agreed.
    public let ok: Bool
    /// The first field that disagreed (or "file" for a file-level error).
    public let field: String?
    /// Why it disagreed.
    public let reason: String?

    /// One line: "FILE: entry N (NAME): ok", or the field and reason that disagree.
    public var line: String {
        guard let index, let name else { return "\(file): \(reason ?? "error")" }
        if ok { return "\(file): entry \(index) (\(name)): ok" }
        return "\(file): entry \(index) (\(name)): \(field ?? "?"): \(reason ?? "")"
    }
}

/// `cofferctl dev vectors`: the OPAQUE module's vector checker over any files in its JSON formats.
public enum VectorFiles {
    /// Checks each file; every entry gets a verdict, and a file that is unreadable, not JSON or of
    /// an unknown shape gets one failing verdict.
    public static func check(_ paths: [String]) -> [VectorVerdict] {
        var verdicts: [VectorVerdict] = []
        for path in paths {
            do {
                let report = try VectorChecker.check(fileAt: path)
                if report.entries.isEmpty {
                    verdicts.append(VectorVerdict(file: path, index: nil, name: nil, ok: false, field: "file",
                                                  reason: "no entries"))
                }
                for entry in report.entries {
                    verdicts.append(VectorVerdict(file: path, index: entry.index, name: entry.name, ok: entry.isOK,
                                                  field: entry.mismatch?.field, reason: entry.mismatch?.reason))
                }
            } catch {
                verdicts.append(VectorVerdict(file: path, index: nil, name: nil, ok: false, field: "file",
                                              reason: error.description))
            }
        }
        return verdicts
    }
}
