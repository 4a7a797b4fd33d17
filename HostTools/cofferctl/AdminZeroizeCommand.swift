import ArgumentParser
import CofferHost

/// `cofferctl admin zeroize --serial HEX`: the whole-device self-destruct.
struct AdminZeroizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zeroize",
        abstract: "Destroy every record and key on the device, for good.",
        discussion: "The device's serial number must be typed back with --serial, as a guard against accidents.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The device's serial number, as `info` prints it (16 hex digits).", valueName: "hex"))
    var serial: String

    func validate() throws {
        guard UInt64(serial, radix: 16) != nil else { throw ValidationError("--serial must be hex digits.") }
    }

    func run() throws {
        try reporting {
            let client = try global.vaultClient()
            try client.zeroize(serial: UInt64(serial, radix: 16)!)
            if global.json { try Output.json(["serial": serial, "zeroized": "ok"]) }
            else { try Output.line("device \(serial) zeroized: every key on it is destroyed") }
        }
    }
}
