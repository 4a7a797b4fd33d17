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

extension Output {
    /// Whether failures are also printed as a JSON object on stdout (`--json` was given).
    nonisolated(unsafe) static var jsonErrors = false

    /// Reports a failure: its message on stderr and, under --json, `{"error", "status",
    /// "attemptsRemaining"}` on stdout, so a script reads the outcome without parsing English.
    static func failure(_ message: String, status: Int32, attemptsRemaining: Int? = nil) {
        note("cofferctl: " + message)
        jsonFailure(message, status: status, attemptsRemaining: attemptsRemaining)
    }

    /// The JSON object of a failure alone, under --json (for one whose message is printed elsewhere).
    static func jsonFailure(_ message: String, status: Int32, attemptsRemaining: Int? = nil) {
        guard jsonErrors else { return }
        // Nothing more can be said if stdout is broken too: the status still tells.
        try? json(FailureObject(error: message, status: Int(status), attemptsRemaining: attemptsRemaining))
    }
}

/// What `--json` prints on stdout for a failure.
struct FailureObject: Encodable {
    let error: String
    let status: Int
    let attemptsRemaining: Int?

    private enum CodingKeys: String, CodingKey {
        case error, status, attemptsRemaining
    }

    // Written out so that `attemptsRemaining` is present as null rather than left out.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(error, forKey: .error)
        try container.encode(status, forKey: .status)
        try container.encode(attemptsRemaining, forKey: .attemptsRemaining)
    }
}

/// Runs a command's work and turns a Coffer failure into its message on stderr (and a JSON object
/// on stdout under --json) and its exit status.
func reporting(_ work: () throws -> Void) throws {
    do {
        try work()
    } catch let failure as CofferFailure {
        Output.failure(FailureText.message(failure), status: failure.exitStatus.rawValue,
                       attemptsRemaining: FailureText.attemptsRemaining(failure))
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
