import ArgumentParser
import CofferHost
import CofferFrontendLink
import CofferRealmAccess
import Foundation

/// What a client needs to use a realm through its front-end: the account's token, the realm's
/// manifest to pin, and the CA of the front-end's certificate when it is not a system root.
struct RealmClientOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The account's access token for a realm's front-end, or @FILE to read it from a file.",
            discussion: "Default: $COFFER_TOKEN.", valueName: "token"))
    var token: String?

    @Option(
        help: ArgumentHelp(
            "The realm's manifest file to pin (as `cofferctl realm manifest` shows it).",
            discussion: "Default: $COFFER_MANIFEST.", valueName: "file"))
    var manifest: String?

    @Option(
        help: ArgumentHelp(
            "PEM CA certificate(s) to trust for the front-end's HTTPS certificate.",
            valueName: "file"))
    var caFile: String?

    /// The token from --token (or @FILE), else $COFFER_TOKEN.
    func accessToken() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        guard let given = token ?? environment["COFFER_TOKEN"], !given.isEmpty else {
            throw ValidationError("a realm's front-end needs an access token: --token TOKEN|@FILE or $COFFER_TOKEN")
        }
        guard given.hasPrefix("@") else { return given }
        let path = String(given.dropFirst())
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the token file \(path)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A vault client of the realm behind the front-end at `url`, pinned to the manifest.
    func client(frontend url: String) throws -> VaultClient {
        let token = try accessToken()
        guard let path = manifest ?? ProcessInfo.processInfo.environment["COFFER_MANIFEST"] else {
            throw ValidationError("a realm is pinned by its manifest: --manifest FILE or $COFFER_MANIFEST")
        }
        let file = try RealmManifestFile.load(path)
        guard let claims = AccessToken.unverifiedClaims(of: token) else {
            throw ValidationError("the access token is not a JWT this cofferctl can read")
        }
        let realmHex = file.manifest.draft.realmID.map { String(format: "%02x", $0) }.joined()
        guard claims.realmHex == realmHex else {
            throw ValidationError("the token is for realm \(claims.realmHex), the manifest is realm \(realmHex)")
        }
        let link = try FrontendLink(base: url, token: token, caFile: caFile)
        return VaultClient(
            transport: link, pins: nil, realm: RealmPin(manifest: file.manifest, account: claims.account))
    }
}
