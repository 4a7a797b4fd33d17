import ArgumentParser
import CofferHost

/// `cofferctl backup decrypt --key FILE IN OUT`.
struct BackupDecryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt",
        abstract: "Check and decrypt the backup IN into OUT; a damaged backup leaves nothing at OUT.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: BackupFileOptions

    func run() throws {
        try reporting {
            let key = try BackupKey.read(from: files.key)
            let size = try BackupFile.size(of: files.input)
            let meter = TerminalProgress.ifTerminal(label: "decrypting", total: size)
            try BackupFile.decrypt(input: files.input, output: files.output, key: key,
                                   options: BackupOptions(durable: !files.noSync, progress: meter?.update))
            meter?.finish()
            if global.json {
                Output.json(BackupResult(input: files.input, output: files.output, bytes: size))
            } else {
                Output.note("restored \(files.output)")
            }
        }
    }
}
