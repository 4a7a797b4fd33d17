import ArgumentParser
import CofferHost
import OPAQUE

/// `cofferctl register`: park a backup key in the vault under a password.
struct RegisterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Park a backup key in the device under a password (OPAQUE: the device never sees the password).",
        discussion: "Without --key a new key is made and printed once: keep it, or recover it later with the password.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var credential: CredentialOptions

    @Option(help: ArgumentHelp("The key file to park (as keygen writes it).", valueName: "file"))
    var key: String?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Wrong guesses allowed before the key is destroyed (1-255; default: the device's).", valueName: "n"))
    var attemptLimit: Int?

    func validate() throws {
        if let attemptLimit, !(1...255).contains(attemptLimit) {
            throw ValidationError("--attempt-limit must be between 1 and 255.")
        }
    }

    func run() throws {
        try reporting {
            let backupKey = try key.map { (path) throws(KeyFileError) in try BackupKey.read(from: path) }
                ?? BackupKey.generate()
            let client = try global.verifiedVaultClient()
            // A full store is known before the password is asked for.
            let info = try client.verifiedDevice().info
            // A realm has no slots to count (its records live in a tree in the store).
            guard client.realm != nil || info.recordCount < info.slotCount else {
                throw VaultError.refused(.storeFull, operation: .registerStart)
            }
            if case .embedded(nil) = try global.address() {
                Output.note("note: the in-memory embedded device forgets this record when cofferctl exits")
            }
            let password = try credential.password(confirm: !credential.passwordStdin)
            let limit = try client.register(id: credential.credentialID, password: password, backupKey: backupKey,
                                            attemptLimit: attemptLimit.map { UInt8($0) })
            // A generated key is shown this once; a key from a file is the caller's already.
            let shown = key == nil ? BackupKey.hex(backupKey) : nil
            let what = "the new backup key (it is registered: get it with `cofferctl recover --id \(credential.id)`)"
            if global.json {
                try Output.json(RegisterResult(id: credential.id, attemptLimit: Int(limit), key: shown), what: what,
                                secret: shown != nil)
            } else {
                // The status goes to stderr so that stdout holds the key alone, for `> key-file`.
                Output.note("registered \(credential.id) on \(client.transport.deviceName) (guess limit \(limit))")
                if let shown { try Output.line(shown, what: what, secret: true) }
            }
        }
    }
}

private struct RegisterResult: Encodable {
    let id: String
    let attemptLimit: Int
    let key: String?
}
