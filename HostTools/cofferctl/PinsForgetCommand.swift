import ArgumentParser
import CofferHost

/// `cofferctl pins forget ADDRESS`: removes one pin, so the next device reached there is pinned anew.
struct PinsForgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Remove the pin of ADDRESS (as `pins` lists it, or as --device takes it).",
        discussion: "Exit 0 when a pin was removed, 1 when ADDRESS has none.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The device address whose pin to remove.", valueName: "address"))
    var address: String

    func run() throws {
        try reporting {
            let pins = try global.pins()
            let pinAddress = DevicePins.address(naming: address)
            let forgotten = try pins.forget(address: pinAddress)
            let file = pins.file(forAddress: pinAddress)
            if global.json {
                try Output.json(ForgetResult(address: pinAddress, file: file, pin: forgotten))
            } else if let forgotten {
                try Output.line("forgot the pin of \(pinAddress): serial \(forgotten.serialText), "
                      + "identity \(forgotten.fingerprint)")
            } else {
                try Output.line("removed the unreadable pin file of \(pinAddress): \(file)")
            }
        }
    }
}

/// What `pins forget --json` prints: the pin removed (null when its file was not a readable pin).
private struct ForgetResult: Encodable {
    let address: String
    let file: String
    let pin: DevicePin?

    private enum CodingKeys: String, CodingKey {
        case address, file, forgotten
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(address, forKey: .address)
        try container.encode(file, forKey: .file)
        try container.encode(pin, forKey: .forgotten)
    }
}
