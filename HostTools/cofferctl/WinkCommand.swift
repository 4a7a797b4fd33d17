import ArgumentParser
import CofferHost

/// `cofferctl wink`: asks the device to show itself.
struct WinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wink", abstract: "Ask the device to identify itself (CTAPHID WINK).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            let device = try global.transport()
            try DeviceCheck.wink(device)
            if global.json {
                try Output.json(["device": device.deviceName, "wink": "ok"])
            } else {
                try Output.line("\(device.deviceName): winked")
            }
        }
    }
}
