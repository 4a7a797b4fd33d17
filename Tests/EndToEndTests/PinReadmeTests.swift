import Foundation
import Testing

/// README's tables about pins and exit statuses, read from README.md and checked against the built
/// cofferctl: each row's exit status is what the command really ends with.
@Suite(.serialized) struct PinReadmeTests {
    let readme: String

    init() throws {
        readme = try String(contentsOf: Binaries.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
    }

    /// The rows of the first table after `heading` whose header row starts with `firstColumn`.
    func table(after heading: String, firstColumn: String) throws -> [[String]] {
        let section = try #require(readme.range(of: heading), "README has no \(heading)")
        let lines = readme[section.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.hasPrefix("| \(firstColumn) |") }, "no table \(firstColumn)")
        return lines[(start + 2)...].prefix { $0.hasPrefix("|") }.map { row in
            row.dropFirst().dropLast().split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    /// Every `exit N` in a cell, in order.
    func exits(_ cell: String) -> [Int32] {
        let words = cell.split { $0 == " " || $0 == ")" || $0 == ";" || $0 == "," || $0 == ":" }
        return zip(words, words.dropFirst()).compactMap { $0 == "(exit" || $0 == "exit" ? Int32($1) : nil }
    }

    @Test("the pin table: each situation ends with the status README gives, with and without --trust-new-device")
    func pinTableMatchesBehaviour() throws {
        let rows = try table(after: "### Device identity pins", firstColumn: "the device at the address")
        #expect(rows.count == 4)
        for row in rows {
            let without = try #require(exits(row[1]).last, "no exit status in \(row[1])")
            let with = try #require(exits(row[2]).last, "no exit status in \(row[2])")
            for (flag, expected) in [([String](), without), (["--trust-new-device"], with)] {
                let status = try situation(row[0], flag: flag)
                #expect(status == expected, "\(row[0]) \(flag): README says \(expected), cofferctl exits \(status)")
            }
        }
    }

    /// Sets up the situation README's first column names on `embedded:DIR`, then runs `info`.
    func situation(_ name: String, flag: [String]) throws -> Int32 {
        let scratch = Scratch()
        let device = ["--device", "embedded:" + scratch.file("state")]
        func pin() throws {
            let first = try scratch.cofferctl(device + ["info"])
            #expect(first.status == 0, "\(first.stderr)")
        }
        switch name {
        case "has no pin yet":
            break
        case "presents the pinned identity":
            try pin()
        case "presents another identity key or serial":
            try pin()
            try FileManager.default.removeItem(atPath: scratch.file("state"))
            try FileManager.default.createDirectory(atPath: scratch.file("state"), withIntermediateDirectories: false)
        case "has a corrupt pin file":
            try pin()
            let pins = try FileManager.default.contentsOfDirectory(atPath: scratch.file("pins"))
            try "garbage\n".write(toFile: scratch.file("pins/" + pins[0]), atomically: false, encoding: .utf8)
        default:
            Issue.record("README names a situation this test does not know: \(name)")
        }
        return try scratch.cofferctl(device + flag + ["info"]).status
    }

    @Test("the pins command table: JSON fields and the statuses of forget")
    func pinsCommandTableMatchesBehaviour() throws {
        let rows = try table(after: "### Device identity pins", firstColumn: "command")
        let list = try #require(rows.first { $0[0].hasPrefix("`cofferctl pins`") })
        let forget = try #require(rows.first { $0[0].hasPrefix("`cofferctl pins forget") })
        let fields = try #require(list[1].range(of: "{").flatMap { open in
            list[1][open.upperBound...].range(of: "}").map { list[1][open.upperBound..<$0.lowerBound] }
        })
        let documented = Set(fields.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })

        let scratch = Scratch()
        let device = ["--device", "embedded:" + scratch.file("state")]
        #expect(try scratch.cofferctl(device + ["info"]).status == 0)
        let listed = try #require(try scratch.cofferctl(["--json", "pins"]).json() as? [[String: Any]])
        #expect(Set(try #require(listed.first).keys) == documented)
        #expect(list[2].hasPrefix("0"))
        #expect(try scratch.cofferctl(["pins"]).status == 0)

        // "0 removed; 1 no pin for ADDRESS"
        let statuses = forget[2].split(separator: ";").compactMap {
            Int32($0.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber })
        }
        #expect(statuses.count == 2)
        let address = try #require(listed.first?["address"] as? String)
        #expect(try scratch.cofferctl(["pins", "forget", address]).status == statuses.first)
        #expect(try scratch.cofferctl(["pins", "forget", address]).status == statuses.last)
    }

    @Test("the exit status table lists the statuses cofferctl --help lists, and status 1 names the pin cases")
    func exitStatusTableMatchesHelp() throws {
        let rows = try table(after: "### Exit statuses", firstColumn: "status")
        let documented = rows.compactMap { Int32($0[0]) }
        let help = try Scratch().cofferctl(["--help"]).stdout
        let section = try #require(help.range(of: "EXIT STATUS"))
        let lines = help[section.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
        let listed = lines.prefix { !$0.isEmpty }.compactMap {
            Int32($0.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber })
        }
        #expect(documented == listed)
        let one = try #require(rows.first { $0[0] == "1" })
        #expect(one[1].contains("identity is not the one pinned for its address"))
        #expect(one[1].contains("corrupt pin file") && one[1].contains("`pins forget`"))
    }
}
