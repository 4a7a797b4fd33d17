import ArgumentParser
import CofferHost

/// `cofferctl keygen`: a fresh backup key.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a 256-bit backup key: 64 hex digits on stdout, or in a new file (mode 0600).")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Write the key to this new file (never overwritten) instead of stdout.",
                               valueName: "file"))
    var out: String?

    func run() throws {
        try reporting {
            let key = BackupKey.generate()
            // The key exists nowhere else: if it cannot be delivered, say so and fail.
            let what = "the new backup key (it is not kept anywhere else)"
            if let out {
                try BackupKey.write(key, to: out)
                if global.json {
                    try Output.json(["keyFile": out])
                } else {
                    Output.note("key written to \(out) (mode 0600)")
                }
            } else if global.json {
                try Output.json(["key": BackupKey.hex(key)], what: what, secret: true)
            } else {
                try Output.line(BackupKey.hex(key), what: what, secret: true)
            }
        }
    }
}
