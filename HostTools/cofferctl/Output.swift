import ArgumentParser
import CofferHost
import Foundation

/// Where results and messages go: results on stdout (as JSON with --json), messages on stderr.
enum Output {
    /// Prints `value` as one line of JSON (keys sorted) on stdout.
    static func json<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain structs of strings and numbers cannot fail.
        let data = try! encoder.encode(value)
        print(String(decoding: data, as: UTF8.self))
    }

    /// Writes a line to stderr.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
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
