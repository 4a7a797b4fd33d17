import Foundation
import Testing

/// Help text from the built binary, and `dev vectors` on the repository's vector files.
@Suite struct HelpAndVectorsTests {
    let scratch = Scratch()

    @Test("--help lists every subcommand and the exit status table")
    func help() throws {
        let result = try scratch.cofferctl(["--help"])
        #expect(result.status == 0)
        for word in ["devices", "info", "ping", "wink", "keygen", "register", "recover", "delete", "backup", "demo",
                     "admin", "dev", "--device", "--json"] {
            #expect(result.stdout.contains(word), "help lacks \(word)")
        }
        for status in ["0   ok", "10  wrong password", "11  key destroyed", "64  usage", "65  corrupt", "69  device",
                       "77  permission"] {
            #expect(result.stdout.contains(status), "help lacks exit status \(status)")
        }
    }

    @Test("each subcommand has help", arguments: [
        ["register"], ["recover"], ["delete"], ["backup", "encrypt"], ["backup", "decrypt"], ["admin", "zeroize"],
        ["admin", "provision"], ["admin", "counters"], ["dev", "vectors"], ["keygen"], ["demo"],
    ])
    func subcommandHelp(path: [String]) throws {
        let result = try scratch.cofferctl(["help"] + path)
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: cofferctl " + path.joined(separator: " ")))
    }

    static var vectorFiles: [String] {
        let directory = Binaries.repositoryRoot.appendingPathComponent("Tests/OPAQUETests/Vectors")
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted().map { directory.appendingPathComponent($0).path }
    }

    @Test("dev vectors passes the RFC vectors, one ok line per entry")
    func vectorsPass() throws {
        let files = Self.vectorFiles
        try #require(files.count == 4)
        let result = try scratch.cofferctl(["dev", "vectors"] + files)
        #expect(result.status == 0, "\(result.stdout)")
        let lines = result.stdout.split(separator: "\n")
        #expect(!lines.isEmpty && lines.allSatisfy { $0.hasSuffix(": ok") })
        let json = try #require(try scratch.cofferctl(["--json", "dev", "vectors"] + files).json() as? [[String: Any]])
        #expect(json.count == lines.count)
    }

    @Test("dev vectors names the entry and field of a changed vector, and exits 1")
    func vectorsFail() throws {
        let file = try #require(Self.vectorFiles.first { $0.hasSuffix("opaque-3dh-P256-SHA256.json") })
        var text = try String(contentsOfFile: file, encoding: .utf8)
        // Change one hex digit of the first session key.
        let range = try #require(text.range(of: "\"session_key\": \""))
        let digit = text.index(range.upperBound, offsetBy: 3)
        text.replaceSubrange(digit...digit, with: text[digit] == "0" ? "1" : "0")
        try text.write(toFile: scratch.file("changed.json"), atomically: true, encoding: .utf8)
        let result = try scratch.cofferctl(["dev", "vectors", scratch.file("changed.json")])
        #expect(result.status == 1)
        #expect(result.stdout.contains("session_key"))
        #expect(result.stdout.contains(": ok"), "the other entries still pass")
        scratch.write(Array("{}".utf8), to: "empty.json")
        #expect(try scratch.cofferctl(["dev", "vectors", scratch.file("empty.json")]).status == 1)
    }
}
