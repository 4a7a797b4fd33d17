import ArgumentParser
import CofferEmulator

/// Shows what the device holds, without a secret.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show lifecycle, serial, slots used and counters, never a secret (not while an emulator runs on it)."
    )

    @OptionGroup var state: StateOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        state.bootstrapLogging()
        try reportingFailure { () throws(EmulatorError) in
            let report = try Emulator.inspect(EmulatorSettings(stateDirectory: state.stateDirectory))
            print(json ? report.json : report.text)
        }
    }
}
