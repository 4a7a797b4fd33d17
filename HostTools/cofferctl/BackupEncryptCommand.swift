import ArgumentParser
import CofferHost

/// `cofferctl backup encrypt --key FILE IN OUT`.
struct BackupEncryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "encrypt", abstract: "Encrypt IN into the backup OUT.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: BackupFileOptions

    func run() throws {
        try reporting {
            let key = try BackupKey.read(from: files.key)
            let size = try BackupFile.size(of: files.input)
            let meter = TerminalProgress.ifTerminal(label: "encrypting", total: size)
            try BackupFile.encrypt(input: files.input, output: files.output, key: key,
                                   options: BackupOptions(durable: !files.noSync, progress: meter?.update))
            meter?.finish()
            if global.json {
                Output.json(BackupResult(input: files.input, output: files.output, bytes: size))
            } else {
                Output.note("encrypted \(size) bytes into \(files.output)")
            }
        }
    }
}
