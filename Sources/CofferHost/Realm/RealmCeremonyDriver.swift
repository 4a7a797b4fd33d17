// REALM.md's ceremony, driven from the host over each member's own commands (PROTOCOL.md §11.8): every
// member checks the draft; member 0 generates the realm secrets inside itself; every other member
// offers a signed ephemeral key, member 0 exports the root wrapped to it, it imports; every member
// signs the manifest; every member joins. The host only carries bytes: the root leaves a chip only
// wrapped to another chip's identity key, and each sealed blob opens on its own chip alone.

import CTAPHID
import CofferCrypto
import CofferFirmware
import CofferProtocol

/// What a ceremony step refused, naming the member.
public struct RealmCeremonyFailure: CofferFailure, CustomStringConvertible, Sendable {
    public let description: String
    public init(description: String) { self.description = description }
    public var exitStatus: ExitStatus { .failure }
    public var message: String { "realm ceremony: \(description)" }
}

public enum RealmCeremonyDriver {
    /// GetInfo of a device, straight over its transport: what the draft lists is its identity key.
    public static func info(_ link: RealmDeviceLink) throws -> GetInfoResponse {
        let body = try link.transport.request(
            CTAPHIDCommand(rawValue: VaultOperation.getInfo.rawValue), payload: VaultRequest.getInfo.encodedPayload())
        let reply = try VaultReply(decoding: body)
        guard reply.status == .ok else { throw RealmCeremonyFailure(description: "GetInfo refused: \(reply.status)") }
        return try GetInfoResponse(decoding: reply.body)
    }

    /// The draft of a realm whose group is these devices, in this order (member id = position). The
    /// group id is the first 16 bytes of SHA-256 of the realm id (a realm starts with one group).
    public static func draft(
        links: [RealmDeviceLink], realmID: [UInt8], defaultLimit: UInt8, maxLimit: UInt8, isTestRealm: Bool
    ) throws -> RealmDraft {
        let engine = OpenSSLCryptoEngine(suite: P256SHA256Suite())
        let keys = try links.map { try info($0).identityPublicKey }
        guard
            let group = RealmGroupConfiguration(
                realmID: realmID, groupID: Array(engine.sha256(realmID).prefix(16)), configID: 1, members: keys),
            let draft = RealmDraft(
                realmID: realmID, suite: .p256SHA256, group: group, defaultAttemptLimit: defaultLimit,
                maxAttemptLimit: maxLimit, isTestRealm: isTestRealm)
        else {
            throw RealmCeremonyFailure(
                description: "no draft for these members (1-7 members with distinct keys, 1 <= default limit <= max limit)")
        }
        return draft
    }

    /// Runs the ceremony on `links` (member id = position) for `draft`: returns the manifest, every
    /// member's signature in member-id order, and each member's sealed secrets.
    public static func run(_ draft: RealmDraft, links: [RealmDeviceLink]) throws
        -> (manifest: RealmManifest, signatures: [[UInt8]], sealed: [[UInt8]])
    {
        let prepared = try prepare(draft, links: links)
        for (id, link) in links.enumerated() {
            try join(link, as: id, manifest: prepared.manifest, signatures: prepared.signatures, sealed: prepared.sealed[id])
        }
        return prepared
    }

    /// Joins member `id` through `link`: its sealed secrets (which open on its own chip alone), the
    /// manifest and every member's signature. A join cut short (power, network) may be run again with
    /// the same three: a chip that joined refuses a second join (`alreadyMember`), one that did not
    /// joins.
    public static func join(
        _ link: RealmDeviceLink, as id: Int, manifest: RealmManifest, signatures: [[UInt8]], sealed: [UInt8]
    ) throws {
        guard try link.join(manifest, sealed: sealed, signatures: signatures) == UInt8(id) else {
            throw RealmCeremonyFailure(description: "member \(id) joined under another id")
        }
    }

    /// Every step of the ceremony but the joins: the manifest, every member's signature in member-id
    /// order and each member's sealed secrets, from which `join` makes each chip a member.
    public static func prepare(_ draft: RealmDraft, links: [RealmDeviceLink]) throws
        -> (manifest: RealmManifest, signatures: [[UInt8]], sealed: [[UInt8]])
    {
        let engine = OpenSSLCryptoEngine(suite: P256SHA256Suite())
        guard !links.isEmpty else { throw RealmCeremonyFailure(description: "a realm needs members") }
        for (id, link) in links.enumerated() {
            let checked = try link.checkDraft(draft)
            guard checked.memberID == UInt8(id), checked.draftHash == draft.hash(engine: engine) else {
                throw RealmCeremonyFailure(description: "member \(id) saw the draft as \(checked)")
            }
        }
        let generated = try links[0].generate(draft)
        var sealed = [generated.sealed]
        for link in links.dropFirst() {
            let offer = try link.offer(draft)
            let export = try links[0].export(draft, sealed: generated.sealed, to: offer)
            let imported = try link.importSecrets(export)
            guard imported.manifest == generated.manifest else {
                throw RealmCeremonyFailure(description: "an importer's manifest differs from the generator's")
            }
            sealed.append(imported.sealed)
        }
        let manifest = generated.manifest
        let signatures = try zip(links, sealed).map { try $0.signManifest(manifest, sealed: $1) }
        try manifest.verify(signatures: signatures, engine: engine)
        return (manifest, signatures, sealed)
    }
}
