import ArgumentParser
import CofferEmulator

/// Makes a new device in the state directory.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new device: fuses (UDS from entropy), counters and flash; manufacture and provision it.",
        discussion: "Finishes an init that a power cut interrupted; refuses a state dir that already holds a device."
    )

    @OptionGroup var state: StateOptions
    @OptionGroup var device: DeviceOptions

    func run() throws {
        state.bootstrapLogging()
        try reportingFailure { () throws(EmulatorError) in
            let report = try Emulator.initialise(device.settings(state))
            print(report.text)
        }
    }
}
