// `cofferctl realm join`: finishes the ceremony's last step for one member whose join `realm create`
// could not make (its chip lost power, the network went): the manifest, every member's signature and the
// member's own sealed secrets (OUT.sealed beside the manifest) are all a join needs. A member that has
// joined already is said so, and nothing is sent.

import ArgumentParser
import CofferCrypto
import CofferFirmware
import CofferHost
import Foundation

struct RealmJoinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Join one member of a realm made by `realm create` whose own join was cut short.",
        discussion: """
            The member is found in the manifest (--manifest) by its identity key. Its secrets come from \
            the file `realm create` wrote beside the manifest (MANIFEST.sealed, or --sealed): sealed to \
            that member's chip, they open nowhere else. A member already in this realm is left as it is \
            (exit 0); a device in another realm, or not in this manifest, is refused.
            """)

    @Option(name: .customLong("member"), help: ArgumentHelp("The member device.", valueName: "address"))
    var member: String

    @Option(help: ArgumentHelp("The sealed secrets file (default: the manifest's path + .sealed).", valueName: "file"))
    var sealed: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let path = try manifestPath(global)
        try reporting {
            let file = try RealmManifestFile.load(path)
            let manifest = file.manifest
            let secrets = try RealmSealedSecretsFile.load(
                sealed ?? RealmSealedSecretsFile.path(besideManifest: path), for: manifest)
            let link = RealmDeviceLink(transport: try DeviceConnector.open(try DeviceAddress(parsing: member)))
            let identity = try RealmCeremonyDriver.info(link).identityPublicKey
            guard let id = manifest.draft.group.members.firstIndex(of: identity) else {
                throw RealmCeremonyFailure(description: "\(member) is not a member of realm \(Hex.encode(manifest.draft.realmID))")
            }
            let state = try link.info()
            if let joined = state.memberID {
                guard joined == UInt8(id), state.configuration == manifest.draft.group.encoded() else {
                    throw RealmCeremonyFailure(description: "\(member) is a member of another realm or group")
                }
                try say(id: id, realm: manifest.draft.realmID, already: true)
                return
            }
            try RealmCeremonyDriver.join(
                link, as: id, manifest: manifest, signatures: file.memberSignatures, sealed: secrets.sealed[id])
            try say(id: id, realm: manifest.draft.realmID, already: false)
        }
    }

    private func say(id: Int, realm: [UInt8], already: Bool) throws {
        if global.json {
            try Output.json(["realm": Hex.encode(realm), "member": "\(id)", "joined": already ? "before" : "now"])
        } else {
            try Output.line("member \(id) of realm \(Hex.encode(realm)) " + (already ? "had joined already" : "joined"))
        }
    }
}
