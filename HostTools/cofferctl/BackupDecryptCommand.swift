import ArgumentParser
import CofferHost

/// `cofferctl backup decrypt --key FILE IN OUT`.
struct BackupDecryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt",
        abstract: "Check and decrypt the backup IN into OUT (- for stdin or stdout); a damaged backup leaves "
            + "nothing at OUT.",
        discussion: """
            OUT is never overwritten without --force, and never replaced when it is not a regular file. To stdout, \
            each part is written once it verified: on a refusal, discard what was written.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: BackupFileOptions

    func validate() throws {
        try files.check(json: global.json)
    }

    func run() throws {
        try reporting {
            let key = try BackupKey.read(from: files.key, warn: { Output.note("cofferctl: " + $0) })
            let meter = try files.meter(label: "decrypting")
            let summary: BackupSummary
            do {
                summary = try BackupFile.decrypt(input: files.input, output: files.output, key: key,
                                                 options: files.options(meter: meter))
            } catch let error as BackupError
                where files.output == BackupFile.standardStream && error.exitStatus == .dataError
            {
                Output.note("cofferctl: what was written to stdout before the refusal is incomplete: discard it")
                throw error
            }
            meter?.finish()
            if global.json {
                try Output.json(BackupResult(input: files.input, output: files.output, bytes: summary.plaintextBytes,
                                             backupBytes: summary.backupBytes))
            } else {
                let destination = files.output == BackupFile.standardStream ? "stdout" : files.output
                Output.note("restored \(summary.plaintextBytes) bytes into \(destination)")
            }
        }
    }
}
