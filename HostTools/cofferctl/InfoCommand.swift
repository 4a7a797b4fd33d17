import ArgumentParser
import CofferHost

/// `cofferctl info`: the device's description and the identity key to pin.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe the device and check its identity (pinned on first use).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            let summary = try DeviceSummary.read(global.vaultClient())
            if global.json { try Output.json(summary) } else { try Output.line(summary.text) }
        }
    }
}
