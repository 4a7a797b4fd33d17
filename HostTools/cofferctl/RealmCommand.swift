import ArgumentParser
import CofferCrypto
import CofferHost
import CofferFrontendLink
import CofferRealmAccess
import Foundation

/// `cofferctl realm manifest|countersign|status`: a realm's public side. (`create` and `join` run the
/// ceremony on the members' chips.)
struct RealmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realm", abstract: "Make a realm, finish a member's join, and a realm's manifest, countersignatures and status.",
        subcommands: [
            RealmCreateCommand.self, RealmJoinCommand.self, RealmManifestCommand.self, RealmCountersignCommand.self,
            RealmStatusCommand.self,
        ])
}

/// `cofferctl realm manifest show|verify`.
struct RealmManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest", abstract: "Show or verify a realm manifest file.",
        subcommands: [RealmManifestShowCommand.self, RealmManifestVerifyCommand.self])
}

/// The manifest file these commands read: --manifest, else $COFFER_MANIFEST.
func manifestPath(_ global: GlobalOptions) throws -> String {
    guard let path = global.realm.manifest ?? ProcessInfo.processInfo.environment["COFFER_MANIFEST"] else {
        throw ValidationError("name the manifest file: --manifest FILE or $COFFER_MANIFEST")
    }
    return path
}

/// `cofferctl realm manifest show`: what a manifest says, its member signatures checked.
struct RealmManifestShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print a manifest: realm, suite, policy, members, AKE key, countersignatures.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            let file = try RealmManifestFile.load(try manifestPath(global))
            let draft = file.manifest.draft
            let summary = RealmManifestSummary(
                realm: Hex.encode(draft.realmID), suite: draft.suite.name, testRealm: draft.isTestRealm,
                defaultAttemptLimit: Int(draft.defaultAttemptLimit), maxAttemptLimit: Int(draft.maxAttemptLimit),
                members: draft.group.members.map(Hex.encode), akePublicKey: Hex.encode(file.manifest.akePublicKey),
                memberSignatures: "all \(draft.group.members.count) verify",
                countersignatures: file.countersignatures.map { "\($0.role) \($0.key)" })
            if global.json { return try Output.json(summary) }
            var lines = [
                "realm        \(summary.realm)\(summary.testRealm ? " (test realm)" : "")",
                "suite        \(summary.suite)",
                "guess limit  \(summary.defaultAttemptLimit) by default, at most \(summary.maxAttemptLimit)",
                "ake key      \(summary.akePublicKey)",
                "signatures   \(summary.memberSignatures)",
            ]
            lines += summary.members.enumerated().map { "member \($0.offset)     \($0.element)" }
            lines += summary.countersignatures.map { "countersign  \($0) (not checked: use verify with its key)" }
            try Output.line(lines.joined(separator: "\n"))
        }
    }
}

private struct RealmManifestSummary: Encodable {
    let realm: String
    let suite: String
    let testRealm: Bool
    let defaultAttemptLimit: Int
    let maxAttemptLimit: Int
    let members: [String]
    let akePublicKey: String
    let memberSignatures: String
    let countersignatures: [String]
}

/// `cofferctl realm manifest verify [--operator-key F] [--witness-key F]`: exit 0 only when every member
/// signed and each key given countersigned in its role.
struct RealmManifestVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a manifest's member signatures and, for each key given, its countersignature.")

    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp(
            "The operator's public key (PEM or SEC1): its countersignature is required.",
            valueName: "file"))
    var operatorKey: String?

    @Option(
        help: ArgumentHelp(
            "An independent witness's public key: its countersignature is required.",
            valueName: "file"))
    var witnessKey: String?

    func run() throws {
        try reporting {
            let path = try manifestPath(global)
            let file = try RealmManifestFile.load(path)
            for (role, keyFile) in [("operator", operatorKey), ("witness", witnessKey)] {
                guard let keyFile else { continue }
                let key: ECDSAVerifyingKey
                do { key = try AuthKeyFile.publicKey(at: keyFile) } catch {
                    throw VaultError.manifestUnusable(path: keyFile, reason: "\(error)")
                }
                guard file.isCountersigned(role: role, by: key) else {
                    throw VaultError.manifestUnusable(
                        path: path, reason: "no valid \(role) countersignature by \(keyFile)")
                }
            }
            if global.json {
                try Output.json(["manifest": path, "verified": "ok"])
            } else {
                try Output.line("\(path): verified")
            }
        }
    }
}

/// `cofferctl realm countersign --manifest F --key F --role operator|witness --out F`.
struct RealmCountersignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "countersign",
        abstract: "Add an operator's or a witness's countersignature to a manifest (written to a new file).")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The signer's P-256 private key (PEM).", valueName: "file"))
    var key: String

    @Option(help: ArgumentHelp("operator or witness.", valueName: "role"))
    var role: String

    @Option(help: ArgumentHelp("The new manifest file (never overwritten).", valueName: "file"))
    var out: String

    func validate() throws {
        guard RealmManifestFile.roles.contains(role) else {
            throw ValidationError("--role must be operator or witness")
        }
    }

    func run() throws {
        try reporting {
            let file = try RealmManifestFile.load(try manifestPath(global))
            let signer: ECDSASigningKey
            do { signer = try AuthKeyFile.privateKey(at: key) } catch {
                throw VaultError.manifestUnusable(path: key, reason: "\(error)")
            }
            let signed = try file.countersigned(role: role, with: signer)
            // A new file only: a mistyped --out must not replace a manifest someone relies on.
            do {
                try Data(signed.json()).write(to: URL(fileURLWithPath: out), options: .withoutOverwriting)
            } catch {
                throw VaultError.manifestUnusable(path: out, reason: "cannot be created as a new file (\(error))")
            }
            if global.json {
                try Output.json(["manifest": out, "role": role])
            } else {
                try Output.line("\(out): countersigned as \(role)")
            }
        }
    }
}

/// `cofferctl realm status --device https://...`: the front-end's view of the realm (/healthz).
struct RealmStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Ask a front-end how the realm stands: its group, leader and agents.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            guard case .frontend(let url) = try global.address() else {
                throw ValidationError("realm status asks a front-end: --device https://HOST[:PORT]")
            }
            let link = try FrontendLink(base: url, token: "", caFile: global.realm.caFile)
            let (status, body) = try link.health()
            try Output.line(String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            guard status == 200 else {
                throw DeviceError.frontendRefused(device: url, status: status, reason: "the realm is not serving")
            }
        }
    }
}
