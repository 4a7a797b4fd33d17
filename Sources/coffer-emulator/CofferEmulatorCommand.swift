import ArgumentParser
import CofferEmulator

/// `coffer-emulator`: the Coffer chip on a PC, its state in files, its USB side on UDP. Started by
/// `CofferEmulatorMain`, which reads plain `serve` command lines itself (`ServeFastPath`).
struct CofferEmulatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coffer-emulator",
        abstract: "Run the Coffer HSM firmware on files and a UDP socket (CTAPHID reports over UDP).",
        discussion: """
            Exit status: 0 ok, 1 other failure, 64 usage (or a setting that contradicts the device), \
            65 state file refused (corrupt, truncated, foreign, missing), 66 no device (inspect), \
            69 socket unavailable, 73 init found a device already made, 74 state I/O error, \
            75 state dir in use by another emulator, \(PowerCut.exitStatus) power cut (--crash-after-writes).
            """,
        subcommands: [ServeCommand.self, InitCommand.self, InspectCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
