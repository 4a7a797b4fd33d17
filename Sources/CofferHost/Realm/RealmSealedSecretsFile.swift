// What `realm create` keeps beside the manifest so a join cut short can be finished later
// (`cofferctl realm join`): each member's realm secrets as the ceremony sealed them to that member's
// own chip. A sealed blob opens on its own chip alone, so the file holds nothing another host or chip
// can use; it is kept only until every member has joined.

import CofferCrypto
import CofferFirmware
import Foundation

public struct RealmSealedSecretsFile: Equatable, Sendable {
    /// The `format` field's value.
    public static let format = "coffer-realm-sealed-v1"

    /// The realm these blobs belong to.
    public let realmID: [UInt8]
    /// Each member's sealed secrets, in member-id order.
    public let sealed: [[UInt8]]

    public init(realmID: [UInt8], sealed: [[UInt8]]) {
        self.realmID = realmID
        self.sealed = sealed
    }

    /// The path `realm create` writes for a manifest at `manifest`.
    public static func path(besideManifest manifest: String) -> String { manifest + ".sealed" }

    private struct Wire: Codable {
        var format: String
        var realm: String
        var sealed: [String]
    }

    /// The file's JSON (one object, keys sorted).
    public func json() -> [UInt8] {
        let wire = Wire(format: Self.format, realm: Hex.encode(realmID), sealed: sealed.map { Hex.encode($0) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        // Encoding strings and arrays of strings cannot fail.
        return Array(try! encoder.encode(wire)) + [0x0A]
    }

    /// Reads the file at `path` for `manifest`'s realm: refused, naming the path, when it cannot be read,
    /// is not this format, belongs to another realm, or does not hold one blob per member.
    public static func load(_ path: String, for manifest: RealmManifest) throws(VaultError) -> RealmSealedSecretsFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .manifestUnusable(path: path, reason: "cannot be read")
        }
        guard let wire = try? JSONDecoder().decode(Wire.self, from: data), wire.format == format,
            let realm = Hex.decode(wire.realm)
        else {
            throw .manifestUnusable(path: path, reason: "is not a \(format) file")
        }
        let blobs = wire.sealed.compactMap { Hex.decode($0) }
        guard realm == manifest.draft.realmID else {
            throw .manifestUnusable(path: path, reason: "holds the sealed secrets of realm \(wire.realm), not of this manifest's")
        }
        guard blobs.count == wire.sealed.count, blobs.count == manifest.draft.group.members.count,
            blobs.allSatisfy({ !$0.isEmpty })
        else {
            throw .manifestUnusable(
                path: path, reason: "does not hold one sealed blob per member (\(manifest.draft.group.members.count))")
        }
        return RealmSealedSecretsFile(realmID: realm, sealed: blobs)
    }
}
