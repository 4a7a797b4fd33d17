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
            overwritten); give it to clients as --manifest.
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
        guard !FileManager.default.fileExists(atPath: out) else {
            throw ValidationError("\(out) exists; the manifest goes to a new file")
        }
    }

    func run() throws {
        try reporting {
            let links = try members.map { address -> RealmDeviceLink in
                let parsed: DeviceAddress
                do { parsed = try DeviceAddress(parsing: address) } catch { throw error }
                return RealmDeviceLink(transport: try DeviceConnector.open(parsed))
            }
            let id = try realmID.flatMap(Hex.decode) ?? SystemRandom().bytes(16)
            let draft = try RealmCeremonyDriver.draft(
                links: links, realmID: id, defaultLimit: defaultLimit, maxLimit: maxLimit ?? defaultLimit,
                isTestRealm: testRealm)
            let result: (manifest: RealmManifest, signatures: [[UInt8]], sealed: [[UInt8]])
            do {
                result = try RealmCeremonyDriver.run(draft, links: links)
            } catch let failure as RealmLinkFailure {
                throw RealmCeremonyFailure(description: "\(failure)")
            }
            let file = RealmManifestFile(manifest: result.manifest, memberSignatures: result.signatures)
            do {
                try Data(file.json()).write(to: URL(fileURLWithPath: out), options: .withoutOverwriting)
            } catch {
                throw VaultError.manifestUnusable(path: out, reason: "cannot be created as a new file (\(error))")
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
