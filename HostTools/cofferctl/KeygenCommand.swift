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
            if let out {
                try BackupKey.write(key, to: out)
                if global.json {
                    Output.json(["keyFile": out])
                } else {
                    Output.note("key written to \(out) (mode 0600)")
                }
            } else if global.json {
                Output.json(["key": BackupKey.hex(key)])
            } else {
                print(BackupKey.hex(key))
            }
        }
    }
}
