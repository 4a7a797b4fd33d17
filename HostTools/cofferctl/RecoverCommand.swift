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
            let client = try global.verifiedVaultClient()
            let password = try credential.password(confirm: false)
            let key = try client.recover(id: credential.credentialID, password: password)
            if let out {
                try BackupKey.write(key, to: out)
                if global.json { Output.json(["id": credential.id, "keyFile": out]) }
                else { Output.note("key written to \(out) (mode 0600)") }
            } else if global.json {
                Output.json(["id": credential.id, "key": BackupKey.hex(key)])
            } else {
                print(BackupKey.hex(key))
            }
        }
    }
}
