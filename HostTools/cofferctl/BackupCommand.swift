import ArgumentParser

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

    @Argument(help: ArgumentHelp("The input file (a regular file).", valueName: "in"))
    var input: String

    @Argument(help: ArgumentHelp("The output file; it appears only once complete and verified.", valueName: "out"))
    var output: String
}

/// What `backup encrypt|decrypt --json` prints.
struct BackupResult: Encodable {
    let input: String
    let output: String
    /// Size of the input file in bytes.
    let bytes: Int
}
