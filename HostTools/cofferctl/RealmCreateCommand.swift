// `cofferctl realm create`: the ceremony of REALM.md on devices that are not yet in a realm, from
// this host, over their own commands (PROTOCOL.md §11.8). The host carries bytes only; the manifest
// and every member's signature are written to a new file that clients pin (`--manifest`).

import ArgumentParser
import CofferCrypto
import CofferFirmware
import CofferHost
import Foundation

struct RealmCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Make a realm of these devices: check the draft, generate inside member 0, export, sign, join.",
        discussion: """
            Each --member is a manufactured device not yet in a realm (an emulator serves as one with \
            `coffer-emulator serve --realm-member`); member ids follow the order given. The realm's \
            secrets are made inside the first member and reach the others only wrapped to their \
            identity keys. The manifest, signed by every member, is written to --out (never \
            overwritten) before any member joins; give it to clients as --manifest. Each member's \
            secrets, sealed to its own chip, go to OUT.sealed: a member whose join is cut short \
            (power, network) joins later with `cofferctl realm join --manifest OUT --member ADDRESS`.
            """)

    @Option(name: .customLong("member"), help: ArgumentHelp("A member device (repeat, in member-id order).", valueName: "address"))
    var members: [String] = []

    @Option(help: ArgumentHelp("The realm id, 32 hex digits (default: random).", valueName: "hex"))
    var realmID: String?

    @Option(help: ArgumentHelp("The guess limit of a registration that names none.", valueName: "n"))
    var defaultLimit: UInt8 = 10

    @Option(help: ArgumentHelp("The most guesses a registration may ask for (default: the default limit).", valueName: "n"))
    var maxLimit: UInt8?

    @Flag(help: "A test realm: emulators and seeded devices may join only these.")
    var testRealm = false

    @Option(help: ArgumentHelp("The manifest file to write (a new file).", valueName: "file"))
    var out: String

    func validate() throws {
        guard (1...7).contains(members.count), members.count % 2 == 1 else {
            throw ValidationError("a group has an odd number of members, 1 to 7: give --member 1, 3, 5 or 7 times")
        }
        if let realmID, Hex.decode(realmID)?.count != 16 {
            throw ValidationError("--realm-id must be 32 hex digits")
        }
        guard defaultLimit >= 1, (maxLimit ?? defaultLimit) >= defaultLimit else {
            throw ValidationError("need 1 <= --default-limit <= --max-limit")
        }
        for path in [out, RealmSealedSecretsFile.path(besideManifest: out)]
        where FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(path) exists; the manifest and its sealed secrets go to new files")
        }
    }

    func run() throws {
        try reporting {
            let links = try members.map { address -> RealmDeviceLink in
                RealmDeviceLink(transport: try DeviceConnector.open(try DeviceAddress(parsing: address)))
            }
            let id = try realmID.flatMap(Hex.decode) ?? SystemRandom().bytes(16)
            let draft = try RealmCeremonyDriver.draft(
                links: links, realmID: id, defaultLimit: defaultLimit, maxLimit: maxLimit ?? defaultLimit,
                isTestRealm: testRealm)
            let result: (manifest: RealmManifest, signatures: [[UInt8]], sealed: [[UInt8]])
            do {
                result = try RealmCeremonyDriver.prepare(draft, links: links)
            } catch let failure as RealmLinkFailure {
                throw RealmCeremonyFailure(description: "\(failure)")
            }
            // Both files before any join: a member whose join is cut short can still join from them.
            let sealedPath = RealmSealedSecretsFile.path(besideManifest: out)
            try writeNew(RealmManifestFile(manifest: result.manifest, memberSignatures: result.signatures).json(), to: out)
            try writeNew(RealmSealedSecretsFile(realmID: id, sealed: result.sealed).json(), to: sealedPath)
            var missing: [String] = []
            for (index, link) in links.enumerated() {
                do {
                    try RealmCeremonyDriver.join(
                        link, as: index, manifest: result.manifest, signatures: result.signatures,
                        sealed: result.sealed[index])
                } catch {
                    missing.append("member \(index) (\(members[index])): \(error)")
                }
            }
            guard missing.isEmpty else {
                throw RealmCeremonyFailure(
                    description: "the manifest is in \(out), but these members did not join: "
                        + missing.joined(separator: "; ") + ". When each is back, run `cofferctl realm join --manifest "
                        + "\(out) --member ADDRESS` (it reads \(sealedPath))")
            }
            if global.json {
                try Output.json(["manifest": out, "realm": Hex.encode(id), "members": "\(members.count)"])
            } else {
                try Output.line("realm \(Hex.encode(id)): \(members.count) members joined; manifest in \(out)")
            }
        }
    }

    @OptionGroup var global: GlobalOptions
}

/// Writes `bytes` to `path`, a new file (never over an existing one).
func writeNew(_ bytes: [UInt8], to path: String) throws {
    do {
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
    } catch {
        throw VaultError.manifestUnusable(path: path, reason: "cannot be created as a new file (\(error))")
    }
}
