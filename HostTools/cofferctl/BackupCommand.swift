import ArgumentParser
import CofferHost

/// `cofferctl backup encrypt|decrypt`.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Encrypt a file into a Coffer backup, or restore one (AES-256-GCM in 64 KiB chunks).",
        subcommands: [BackupEncryptCommand.self, BackupDecryptCommand.self])
}

/// What both directions take.
struct BackupFileOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The backup key file (as keygen or recover --out write it).", valueName: "file"))
    var key: String

    @Flag(help: "Do not flush the output to disk before returning (faster; not crash-safe).")
    var noSync = false

    @Flag(help: "Replace OUT if it is an existing regular file (anything else there is never replaced).")
    var force = false

    @Argument(help: ArgumentHelp("The input: a file, a pipe or FIFO, or - for stdin.", valueName: "in"))
    var input: String

    @Argument(help: ArgumentHelp(
        "The output file, which appears only once complete (and verified), or - for stdout.", valueName: "out"))
    var output: String

    /// `--json` prints on stdout, which OUT `-` already carries: the two would mix.
    func check(json: Bool) throws {
        if json && output == BackupFile.standardStream {
            throw ValidationError("--json prints on stdout, which OUT - carries the output on; name an output file")
        }
    }

    /// The options of the run, with a progress meter when stderr is a terminal and the size is known.
    func options(meter: TerminalProgress?) -> BackupOptions {
        BackupOptions(durable: !noSync, replaceExisting: force, progress: meter?.update)
    }

    /// A progress meter for a large regular input when stderr is a terminal.
    func meter(label: String) throws(BackupError) -> TerminalProgress? {
        try BackupFile.size(of: input).flatMap { TerminalProgress.ifTerminal(label: label, total: $0) }
    }
}

/// What `backup encrypt|decrypt --json` prints.
struct BackupResult: Encodable {
    let input: String
    let output: String
    /// Plaintext bytes (read by encrypt, written by decrypt).
    let bytes: Int
    /// Bytes of the backup file (written by encrypt, read by decrypt).
    let backupBytes: Int
}
