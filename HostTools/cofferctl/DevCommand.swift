import ArgumentParser
import CofferHost

/// `cofferctl dev vectors FILE...`: developer tools.
struct DevCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Developer tools.", subcommands: [DevVectorsCommand.self])
}

/// Checks test-vector files with the OPAQUE module's checker.
struct DevVectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vectors",
        abstract: "Check RFC 9380 / 9497 / 9807 test-vector files (their JSON formats) against Coffer's code.",
        discussion: "One line per entry: ok, or the entry and the first field that disagrees. Exit 0 only if all pass.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Vector files.", valueName: "file"))
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Name at least one vector file.") }
    }

    func run() throws {
        try reporting {
            let verdicts = VectorFiles.check(files)
            if global.json {
                try Output.json(verdicts)
            } else {
                for verdict in verdicts { try Output.line(verdict.line) }
            }
            if !verdicts.allSatisfy(\.ok) { throw ExitCode(ExitStatus.failure.rawValue) }
        }
    }
}
