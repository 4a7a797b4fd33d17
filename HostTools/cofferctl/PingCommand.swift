import ArgumentParser
import CTAPHID
import CofferCrypto
import CofferHost

/// `cofferctl ping`: a CTAPHID PING round trip.
struct PingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping", abstract: "Check that the device answers (CTAPHID PING).")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Bytes of random payload to echo (0-7609).", valueName: "n"))
    var size = 32

    func validate() throws {
        guard (0...CTAPHIDLimits.maxMessageSize).contains(size) else {
            throw ValidationError("--size must be between 0 and \(CTAPHIDLimits.maxMessageSize).")
        }
    }

    func run() throws {
        try reporting {
            let device = try global.transport()
            let result = try DeviceCheck.ping(device, payload: SystemRandom().bytes(size))
            if global.json {
                try Output.json(result)
            } else {
                try Output.line("\(result.device): echoed \(result.bytes) bytes in \(result.milliseconds) ms")
            }
        }
    }
}
