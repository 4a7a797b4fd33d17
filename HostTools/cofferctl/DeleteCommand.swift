import ArgumentParser
import CofferHost

/// `cofferctl delete`: remove a record (its owner proves the password first).
struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a record and its key from the device (needs the password).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var credential: CredentialOptions

    func run() throws {
        try reporting {
            let client = try global.verifiedVaultClient()
            let password = try credential.password(confirm: false)
            try client.delete(id: credential.credentialID, password: password)
            if global.json { try Output.json(["id": credential.id, "deleted": "ok"]) }
            else { try Output.line("deleted \(credential.id)") }
        }
    }
}
