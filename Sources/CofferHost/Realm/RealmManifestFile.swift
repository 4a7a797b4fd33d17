import CofferCrypto
import CofferFirmware
import Foundation
import OPAQUE

/// A realm manifest as it is published (REALM.md, "Ceremony and what clients pin"): the manifest's
/// bytes, one signature per member in member-id order, and countersignatures by the operator's and
/// independent witnesses' keys. JSON, hex for bytes:
/// `{"manifest":HEX,"memberSignatures":[HEX,...],"countersignatures":[{"role":R,"key":HEX,"signature":HEX}]}`.
public struct RealmManifestFile: Equatable, Sendable {
    /// A signature over the manifest by a key outside the realm.
    public struct Countersignature: Equatable, Sendable, Codable {
        /// "operator" or "witness": part of what is signed, so one cannot stand for the other.
        public let role: String
        /// The signer's P-256 public key (SEC1, hex).
        public let key: String
        /// ECDSA P-256 r‖s over `RealmManifestFile.countersignedBytes` (hex).
        public let signature: String
    }

    /// The label of a countersignature.
    public static let countersignLabel: [UInt8] = Array("coffer/realm/v1/countersign".utf8)
    /// The roles a countersignature may name.
    public static let roles = ["operator", "witness"]

    public let manifest: RealmManifest
    public let memberSignatures: [[UInt8]]
    public var countersignatures: [Countersignature]

    public init(manifest: RealmManifest, memberSignatures: [[UInt8]], countersignatures: [Countersignature] = []) {
        self.manifest = manifest
        self.memberSignatures = memberSignatures
        self.countersignatures = countersignatures
    }

    /// label ‖ role ‖ 0x00 ‖ manifest.
    public static func countersignedBytes(role: String, manifest: RealmManifest) -> [UInt8] {
        countersignLabel + Array(role.utf8) + [0] + manifest.encoded()
    }

    /// Reads `path` and checks every member's signature; refuses with what and where.
    public static func load(_ path: String) throws(VaultError) -> RealmManifestFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .manifestUnusable(path: path, reason: "cannot be read")
        }
        let file: RealmManifestFile
        do {
            file = try RealmManifestFile(json: Array(data))
        } catch {
            throw .manifestUnusable(path: path, reason: error.reason)
        }
        do {
            try file.manifest.verify(
                signatures: file.memberSignatures, engine: OpenSSLCryptoEngine(suite: P256SHA256Suite()))
        } catch {
            throw .manifestUnusable(path: path, reason: "member signatures do not verify (\(error))")
        }
        return file
    }

    /// Whether a valid countersignature of `role` by `key` is present.
    public func isCountersigned(role: String, by key: ECDSAVerifyingKey) -> Bool {
        countersignatures.contains { entry in
            entry.role == role && (try? ECDSAVerifyingKey(sec1: Hex.decode(entry.key) ?? [])) == key
                && key.isValidSignature(
                    Hex.decode(entry.signature) ?? [],
                    for: Self.countersignedBytes(role: role, manifest: manifest))
        }
    }

    /// This file with a countersignature of `role` by `key` added.
    public func countersigned(role: String, with key: ECDSASigningKey) throws(CryptoError) -> RealmManifestFile {
        var copy = self
        let signature = try key.signature(for: Self.countersignedBytes(role: role, manifest: manifest))
        copy.countersignatures.append(
            Countersignature(
                role: role, key: Hex.encode(key.publicKey.compressedRepresentation), signature: Hex.encode(signature)))
        return copy
    }

    // MARK: - JSON

    struct FormatError: Error { let reason: String }

    private struct Wire: Codable {
        let manifest: String
        let memberSignatures: [String]
        let countersignatures: [Countersignature]?
    }

    init(json: [UInt8]) throws(FormatError) {
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(json)) else {
            throw FormatError(reason: "not a manifest file (JSON with manifest and memberSignatures)")
        }
        guard let bytes = Hex.decode(wire.manifest), let manifest = RealmManifest(encoded: bytes) else {
            throw FormatError(reason: "the manifest bytes do not decode")
        }
        var signatures: [[UInt8]] = []
        for text in wire.memberSignatures {
            guard let signature = Hex.decode(text) else { throw FormatError(reason: "a member signature is not hex") }
            signatures.append(signature)
        }
        let countersignatures = wire.countersignatures ?? []
        guard countersignatures.allSatisfy({ Self.roles.contains($0.role) }) else {
            throw FormatError(reason: "a countersignature's role is neither operator nor witness")
        }
        self.init(manifest: manifest, memberSignatures: signatures, countersignatures: countersignatures)
    }

    /// The file's JSON (sorted keys, one line).
    public func json() -> [UInt8] {
        let wire = Wire(
            manifest: Hex.encode(manifest.encoded()), memberSignatures: memberSignatures.map(Hex.encode),
            countersignatures: countersignatures)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(wire)) ?? Data()) + [0x0A]
    }
}
