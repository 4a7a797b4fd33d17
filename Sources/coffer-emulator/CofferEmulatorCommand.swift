import ArgumentParser

/// `coffer-emulator`: the Coffer chip on a PC, its state in files, its USB side on UDP.
@main
struct CofferEmulatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coffer-emulator",
        abstract: "Run the Coffer HSM firmware on files and a UDP socket (CTAPHID reports over UDP).",
        subcommands: [ServeCommand.self, InitCommand.self, InspectCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
