import ArgumentParser
import CofferCrypto
import CofferHost

/// `cofferctl admin provision`: take a blank or manufactured device to operational.
struct AdminProvisionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provision",
        abstract: "Manufacture a blank device (burn its secret and serial) and provision it.",
        discussion: """
            For a new board, blank or manufactured. Devices that coffer-emulator and embedded:DIR make are \
            provisioned when they are made, with the policy of their --attempt-limit and --max-attempt-limit.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Serial number to burn into a blank device (hex, 1-16 digits; default random).",
                               valueName: "hex"))
    var serial: String?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Default guess limit of new records (1-255).", valueName: "n"))
    var attemptLimit = 10

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Most guesses any record may have; larger requests are capped (1-255; default the larger of "
            + "--attempt-limit and 10).", valueName: "n"))
    var maxAttemptLimit: Int?

    func validate() throws {
        if let serial, UInt64(serial, radix: 16) == nil || UInt64(serial, radix: 16) == 0 {
            throw ValidationError("--serial must be 1 to 16 hex digits, not zero.")
        }
        guard (1...255).contains(attemptLimit) else {
            throw ValidationError("--attempt-limit must be between 1 and 255.")
        }
        if let maxAttemptLimit, !(attemptLimit...255).contains(maxAttemptLimit) {
            throw ValidationError("--max-attempt-limit must be between --attempt-limit and 255.")
        }
    }

    func run() throws {
        try reporting {
            let client = try global.vaultClient()
            var number = serial.flatMap { UInt64($0, radix: 16) } ?? 0
            while number == 0 { number = SystemRandom().bytes(8).reduce(0) { $0 << 8 | UInt64($1) } }
            _ = try client.provision(
                serial: number, defaultAttemptLimit: UInt8(attemptLimit),
                maxAttemptLimit: maxAttemptLimit.map { UInt8($0) })
            let summary = try DeviceSummary.read(client)
            if global.json { try Output.json(summary) } else { try Output.line(summary.text) }
        }
    }
}
