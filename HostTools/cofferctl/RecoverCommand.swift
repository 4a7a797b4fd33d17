import ArgumentParser
import CofferHost

/// `cofferctl recover`: get the backup key back with the password.
struct RecoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Recover a backup key with its password. Every wrong password uses up one attempt.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var credential: CredentialOptions

    @Option(help: ArgumentHelp("Write the key to this new file (mode 0600) instead of stdout.", valueName: "file"))
    var out: String?

    func run() throws {
        try reporting {
            // Every local precondition before the device is touched: a login spends a guess.
            let keyFile = try out.map { (path) throws(KeyFileError) in try BackupKey.reserve(path) }
            let client = try global.verifiedVaultClient()
            let password = try credential.password(confirm: false)
            let key = try GuessAccounting.login { () throws(VaultError) in
                try client.recover(id: credential.credentialID, password: password)
            }
            let what = "the recovered key (its record is still on the device: run recover again, with --out FILE)"
            if let keyFile {
                try keyFile.fill(with: key)
                if global.json { try Output.json(["id": credential.id, "keyFile": keyFile.path]) }
                else { Output.note("key written to \(keyFile.path) (mode 0600)") }
            } else if global.json {
                try Output.json(["id": credential.id, "key": BackupKey.hex(key)], what: what, secret: true)
            } else {
                try Output.line(BackupKey.hex(key), what: what, secret: true)
            }
        }
    }
}
