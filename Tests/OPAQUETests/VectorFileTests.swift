import CofferVectors
import Foundation
import Testing

@Suite("Vector files")
struct VectorFileTests {
    @Test("the shipped vector files are the four kinds")
    func shippedFilesCoverEveryKind() throws {
        let kinds = try Set(VectorFiles.names.map { try VectorChecker.check(fileAt: VectorFiles.path($0)).kind })
        #expect(kinds == [.expandMessageXMD, .hashToCurve, .oprf, .opaque])
    }

    @Test("every entry of every vector file passes", arguments: VectorFiles.names)
    func everyEntryPasses(name: String) throws {
        let report = try VectorChecker.check(fileAt: VectorFiles.path(name))
        #expect(!report.entries.isEmpty)
        for entry in report.entries { #expect(entry.isOK, "\(name): \(entry)") }
    }

    /// The negative twin of every file: one edited output value makes exactly that entry fail,
    /// on exactly that field.
    @Test("an edited copy fails at the edited entry and field", arguments: [
        ("expand-message-xmd-SHA256-38.json", "uniform_bytes", 2),
        ("hash-to-curve-P256_XMD-SHA-256_SSWU_RO_.json", "Q1", 3),
        ("oprf-P256-SHA256.json", "EvaluationElement", 1),
        ("opaque-3dh-P256-SHA256.json", "KE2", 1),
        ("opaque-3dh-P256-SHA256.json", "handshake_secret", 0),
        ("opaque-3dh-P256-SHA256.json", "session_key", 0),
    ])
    func editedCopyIsReported(name: String, field: String, entryIndex: Int) throws {
        let original = try String(contentsOfFile: VectorFiles.path(name), encoding: .utf8)
        let edited = try editFirstHexDigit(of: field, inEntry: entryIndex, in: original)
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("edited-\(UUID().uuidString).json")
        try edited.write(to: copy, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: copy) }

        let report = try VectorChecker.check(fileAt: copy.path)
        let failures = report.entries.filter { !$0.isOK }
        #expect(failures.count == 1)
        let failure = try #require(failures.first)
        #expect(failure.index == entryIndex)
        #expect(failure.mismatch?.field.hasPrefix(field) == true, "\(failure)")
        #expect(!report.allPassed)
    }

    @Test("a document of another shape is refused as such")
    func unknownShapeIsRefused() {
        #expect(throws: VectorFileError.unknownShape) { try VectorChecker.check(json: Data(#"{"a": 1}"#.utf8)) }
        #expect(throws: VectorFileError.notJSON) { try VectorChecker.check(json: Data("not json".utf8)) }
        #expect(throws: VectorFileError.unreadable(path: "/nonexistent/x.json")) {
            try VectorChecker.check(fileAt: "/nonexistent/x.json")
        }
    }

    @Test("an unsupported suite is reported on its config field, not passed")
    func unsupportedSuiteIsReported() throws {
        let original = try String(contentsOfFile: VectorFiles.path("opaque-3dh-P256-SHA256.json"), encoding: .utf8)
        let edited = original.replacingOccurrences(of: "\"KSF\": \"Identity\"", with: "\"KSF\": \"Argon2id\"")
        let report = try VectorChecker.check(json: Data(edited.utf8))
        #expect(report.entries.allSatisfy { $0.mismatch?.field == "config.KSF" })
    }

    /// Changes the first hex digit of the `occurrence`-th value of `"field": "..."` in the text
    /// (entries appear in file order, so the n-th occurrence belongs to the n-th entry that has it).
    private func editFirstHexDigit(of field: String, inEntry occurrence: Int, in text: String) throws -> String {
        var searchStart = text.startIndex
        var found: Range<String.Index>?
        for _ in 0...occurrence {
            let marker = "\"\(field)\""
            let range = try #require(text.range(of: marker, range: searchStart..<text.endIndex))
            found = range
            searchStart = range.upperBound
        }
        // First hex digit of the value after the marker (skipping `: "`, `{ "x": "0x`, etc.).
        var index = try #require(found).upperBound
        while true {
            let character = text[index]
            if character.isHexDigit, !(character == "0" && text[text.index(after: index)] == "x") { break }
            index = text.index(after: index)
        }
        let replacement: Character = text[index] == "0" ? "1" : "0"
        var edited = text
        edited.replaceSubrange(index...index, with: String(replacement))
        return edited
    }
}
