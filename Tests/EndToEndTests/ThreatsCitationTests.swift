import Foundation
import Testing

/// docs/THREATS.md proves each claim with a test it names as `Target/File.swift::test`: every name
/// must be a test that exists, so a renamed or deleted test cannot leave a claim without its proof.
@Suite struct ThreatsCitationTests {
    @Test func everyTestThreatsCitesExists() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let threats = try String(contentsOf: root.appendingPathComponent("docs/THREATS.md"), encoding: .utf8)
        let citation = try Regex(#"([A-Za-z]+Tests)/([A-Za-z/]+\.swift)::([A-Za-z0-9_]+)"#)
        var cited = 0
        for match in threats.matches(of: citation) {
            let target = String(match.output[1].substring ?? "")
            let file = String(match.output[2].substring ?? "")
            let name = String(match.output[3].substring ?? "")
            let path = root.appendingPathComponent("Tests/\(target)/\(file)")
            let source = try? String(contentsOf: path, encoding: .utf8)
            #expect(source != nil, "THREATS.md cites \(target)/\(file), which does not exist")
            #expect(source?.contains("func \(name)(") == true, "THREATS.md cites \(target)/\(file)::\(name), which is no test")
            cited += 1
        }
        #expect(cited > 100, "the citation pattern found only \(cited) citations")
    }
}
