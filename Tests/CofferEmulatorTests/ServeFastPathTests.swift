import ArgumentParser
import Foundation
import Testing

@testable import coffer_emulator

/// `ServeFastPath` reads plain `serve` command lines without swift-argument-parser's parser: it must
/// build exactly the command that parser builds, and leave everything else to it.
@Suite struct ServeFastPathTests {
    /// Command lines the fast path takes: each must give the parser's very command (every property,
    /// defaults included, as the property wrappers print themselves).
    static let plain: [[String]] = [
        [], ["serve"],
        ["serve", "--state-dir", "/tmp/s"],
        ["--state-dir", "/tmp/s"],
        ["serve", "--state-dir=/tmp/s", "--port=0", "--ready-file=/tmp/r.json", "--log-level=error"],
        [
            "serve", "--state-dir", "/tmp/s", "--port", "4242", "--bind", "::1", "--ready-file", "/tmp/r.json",
            "--log-level", "debug", "--seed", "00ff", "--slots", "64", "--attempt-limit", "5",
            "--max-attempt-limit", "20", "--slot-counters", "--suite", "ristretto255-sha512", "--realm-member",
            "--crash-after-writes", "3", "--group-commit", "--fsync-delay-ms", "2",
        ],
        ["serve", "--state-dir", "/tmp/s", "--port", "1", "--port", "2", "--seed", "aa", "--seed=bb"],
        ["serve", "--state-dir", "/tmp/a=b", "--ready-file", "r=1.json"],
        ["serve", "--state-dir", "/tmp/s", "--attempt-limit", "+7", "--slots", "0012"],
        ["serve", "--group-commit", "--state-dir", "/tmp/s", "--group-commit", "--realm-member", "--realm-member"],
        ["serve", "--state-dir", "", "--bind", "0.0.0.0", "--seed", "AbCd"],
    ]

    @Test("a plain serve command line gives the parser's very command", arguments: plain)
    func sameCommandAsTheParser(_ arguments: [String]) throws {
        let parsed = try #require(try CofferEmulatorCommand.parseAsRoot(arguments) as? ServeCommand)
        let fast = try #require(ServeFastPath.command(arguments))
        #expect(String(describing: fast) == String(describing: parsed))
    }

    /// Command lines the fast path leaves to the parser (for its help, its message, or another command).
    static let others: [[String]] = [
        ["--help"], ["serve", "--help"], ["-h"], ["init", "--state-dir", "/tmp/s"], ["inspect"],
        ["serve", "--state-dir", "/tmp/s", "--bogus"], ["serve", "--state-dir", "/tmp/s", "extra"],
        ["serve", "--state-dir", "/tmp/s", "--port", "eighty"], ["serve", "--state-dir", "/tmp/s", "--port"],
        ["serve", "--state-dir", "/tmp/s", "--port", "-1"], ["serve", "--state-dir", "/tmp/s", "--port", "70000"],
        ["serve", "--state-dir", "/tmp/s", "--slots", "5000"], ["serve", "--state-dir", "/tmp/s", "--seed", "xyz"],
        ["serve", "--state-dir", "/tmp/s", "--suite", "p384"], ["serve", "--state-dir", "/tmp/s", "--log-level", "loud"],
        ["serve", "--state-dir", "/tmp/s", "--group-commit=yes"], ["serve", "--state-dir", "/tmp/s", "--bind", "localhost"],
        ["serve", "--state-dir", "/tmp/s", "--max-attempt-limit", "3", "--attempt-limit", "5"],
        ["serve", "--state-dir", "/tmp/s", "--fsync-delay-ms", "5000"], ["serve", "--state-dir", "/tmp/s", "--crash-after-writes", "0"],
        ["serve", "--state-dir", "/tmp/s", "--board", "qemu", "--image", "/tmp/x.elf"],
        ["serve", "--", "--state-dir", "/tmp/s"], ["serve", "--state-dir", "/tmp/s", "--generate-completion-script", "bash"],
    ]

    @Test("anything else is left to swift-argument-parser", arguments: others)
    func leavesTheRestToTheParser(_ arguments: [String]) {
        #expect(ServeFastPath.command(arguments) == nil)
    }

    @Test("every option serve declares is one the fast path reads, or one it leaves to the parser on purpose")
    func knowsEveryServeOption() throws {
        let help = ServeCommand.helpMessage(columns: 1000)
        let declared = Set(help.matches(of: /--([a-z][a-z0-9-]*)/).map { String($0.1) })
        let leftToTheParser: Set<String> = ["board", "image", "help"]
        #expect(declared.subtracting(leftToTheParser) == ServeFastPath.names)
        for name in ServeFastPath.names {
            #expect(declared.contains(name), "--\(name) is read by the fast path but not declared by serve")
        }
    }
}
