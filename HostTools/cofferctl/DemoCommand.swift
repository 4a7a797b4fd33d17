import ArgumentParser
import CofferCrypto
import CofferHost

/// `cofferctl demo`: the whole story, on the in-process device unless --device says otherwise.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole story: keygen, encrypt, register, recover, decrypt, then guess until the key "
            + "is destroyed.")

    @OptionGroup var global: GlobalOptions

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Guess limit of the demo's record (1-255).", valueName: "n"))
    var attemptLimit = 5

    func validate() throws {
        guard (1...255).contains(attemptLimit) else {
            throw ValidationError("--attempt-limit must be between 1 and 255.")
        }
    }

    func run() throws {
        try reporting {
            let client = try global.vaultClient()
            // A device that outlives the demo may hold an earlier demo's record: use a fresh id.
            let persistent = try global.address() != .embedded(stateDirectory: nil)
            let id = "alice@example.org" + (persistent ? "/" + Hex.encode(SystemRandom().bytes(4)) : "")
            let json = global.json
            var events: [DemoEvent] = []
            var lost: OutputError?
            let story = DemoStory(client: client, credentialID: id, attemptLimit: UInt8(attemptLimit)) { event in
                guard !json else { return events.append(event) }
                do throws(OutputError) {
                    if lost == nil { try Output.line("[\(event.step)] \(event.text)") }
                } catch {
                    lost = error
                }
            }
            try story.run()
            if let lost { throw lost }
            if json { try Output.json(events) }
        }
    }
}
