import ArgumentParser
import CofferHost

/// `cofferctl backup encrypt --key FILE IN OUT`.
struct BackupEncryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encrypt", abstract: "Encrypt IN into the backup OUT (- for stdin or stdout).",
        discussion: "OUT is never overwritten without --force, and never replaced when it is not a regular file.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: BackupFileOptions

    func validate() throws {
        try files.check(json: global.json)
    }

    func run() throws {
        try reporting {
            let key = try BackupKey.read(from: files.key, warn: { Output.note("cofferctl: " + $0) })
            let meter = try files.meter(label: "encrypting")
            let summary = try BackupFile.encrypt(input: files.input, output: files.output, key: key,
                                                 options: files.options(meter: meter))
            meter?.finish()
            if global.json {
                try Output.json(BackupResult(input: files.input, output: files.output, bytes: summary.plaintextBytes,
                                             backupBytes: summary.backupBytes))
            } else {
                let destination = files.output == BackupFile.standardStream ? "stdout" : files.output
                Output.note("encrypted \(summary.plaintextBytes) bytes into \(destination)")
            }
        }
    }
}
