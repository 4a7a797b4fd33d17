import ArgumentParser
import CofferHost
import Foundation

/// Where results and messages go: results on stdout (as JSON with --json), checked and flushed;
/// messages on stderr, where a failure to write never crashes or changes the exit status.
enum Output {
    /// Prints `value` as one line of JSON (keys sorted) on stdout; `secret` when it holds a key.
    static func json<T: Encodable>(_ value: T, what: String = "the result", secret: Bool = false)
        throws(OutputError)
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain structs of strings and numbers cannot fail.
        let data = try! encoder.encode(value)
        try Console.line(String(decoding: data, as: UTF8.self), what: what, secret: secret)
    }

    /// Prints one line of results on stdout.
    static func line(_ text: String, what: String = "the result", secret: Bool = false) throws(OutputError) {
        try Console.line(text, what: what, secret: secret)
    }

    /// Writes a line to stderr.
    static func note(_ text: String) {
        Console.note(text)
    }
}

/// Runs a command's work and turns a Coffer failure into its message on stderr and its exit status.
func reporting(_ work: () throws -> Void) throws {
    do {
        try work()
    } catch let failure as CofferFailure {
        Output.note("cofferctl: " + failure.message)
        throw ExitCode(failure.exitStatus.rawValue)
    }
}

/// The exit statuses, as `cofferctl --help` and the README show them.
enum ExitStatusTable {
    static var text: String {
        let rows = ExitStatus.allCases.map { status in
            "  " + String(status.rawValue).padding(toLength: 4, withPad: " ", startingAt: 0) + status.meaning
        }
        return "EXIT STATUS\n" + rows.joined(separator: "\n")
    }
}
