import ArgumentParser
import CofferCrypto
import CofferHost
import CofferRealmAccess
import Foundation

/// `cofferctl token issue`: the operator's side of realm access tokens.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Access tokens for a realm's front-end (operator side).",
        subcommands: [TokenIssueCommand.self])
}

/// `cofferctl token issue --auth-key FILE --account NAME --realm HEX --ttl S`.
struct TokenIssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Sign an access token (ES256 JWT) naming an account of a realm, for a limited time.",
        discussion: "The front-end trusts tokens signed by this key (its --auth-public-key). For tests and operations.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The operator's P-256 auth private key (PEM, as openssl writes it).", valueName: "file"))
    var authKey: String

    @Option(help: ArgumentHelp("The account the token names (its sub).", valueName: "name"))
    var account: String

    @Option(help: ArgumentHelp("The realm id (32 hex digits), the token's aud.", valueName: "hex"))
    var realm: String

    @Option(help: ArgumentHelp("Seconds the token stays valid.", valueName: "s"))
    var ttl = 3600

    func validate() throws {
        guard realm.count == 32, Hex.decode(realm) != nil else {
            throw ValidationError("--realm must be 32 hex digits")
        }
        guard (1...AccessToken.maxAccountLength).contains(account.utf8.count),
            !account.unicodeScalars.contains(where: { $0.value < 0x20 })
        else { throw ValidationError("--account must be 1 to 256 bytes without control characters") }
        guard ttl >= 1 else { throw ValidationError("--ttl must be at least 1 second") }
    }

    func run() throws {
        let key: ECDSASigningKey
        do {
            key = try AuthKeyFile.privateKey(at: authKey)
        } catch {
            Output.failure("cannot read the auth key: \(error)", status: ExitStatus.failure.rawValue)
            throw ExitCode(ExitStatus.failure.rawValue)
        }
        let token = try AccessToken.issue(
            account: account, realmHex: realm.lowercased(),
            now: Int64(Date().timeIntervalSince1970), lifetime: Int64(ttl), key: key)
        try reporting {
            if global.json {
                try Output.json(["token": token], what: "the token", secret: true)
            } else {
                try Output.line(token, what: "the token", secret: true)
            }
        }
    }
}
