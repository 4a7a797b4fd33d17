import ArgumentParser
import CofferHost
import OPAQUE

/// The record a vault command acts on, and where its password comes from.
struct CredentialOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The record's id (1-64 bytes of valid UTF-8, taken as given: no Unicode normalisation).", valueName: "id"))
    var id: String

    @Flag(help: "Read the password from the first line of stdin instead of prompting.")
    var passwordStdin = false

    func validate() throws {
        guard (1...64).contains(id.utf8.count) else { throw ValidationError("--id must be 1 to 64 bytes of UTF-8.") }
        // Repaired bytes would make several ids name one record.
        if id.contains("\u{FFFD}") && RawArguments.repairedArgument(contains: id) {
            throw ValidationError("--id is not valid UTF-8; ids are taken as the UTF-8 bytes given.")
        }
    }

    var credentialID: [UInt8] { Array(id.utf8) }

    /// The password, from stdin or a prompt without echo (asked twice when `confirm`).
    func password(confirm: Bool) throws(PasswordError) -> SecretBytes {
        if passwordStdin { return try PasswordInput.standardInput() }
        return try PasswordInput.prompt("Password for \(id): ", confirmation: confirm ? "Again: " : nil)
    }
}
