// What the realm ceremony's members say to each other (../shared/REALM.md, "Ceremony and what clients
// pin"), as pure codecs of bytes: the draft every member agrees on first, the importer's signed offer,
// the exporter's signed wrapped root secret, and the manifest every member signs at the end. Layouts
// are in docs/PROTOCOL.md, "Realm ceremony"; every field has a fixed length, so each message is checked
// for its exact length before a byte of it is read.

import CofferProtocol

/// HKDF labels and signature labels of the ceremony (docs/PROTOCOL.md, "Realm ceremony"). Extend-only.
/// Every ECDSA signature an identity key makes here starts with its own label, so no ceremony message
/// can be passed off as another, or as anything else the identity key signs.
public enum RealmCeremonyLabel {
    /// HKDF info prefix (draft hash follows) turning a generator's 32 bytes of entropy into the root secret.
    public static let root: [UInt8] = Array("coffer/realm/v1/root".utf8)
    /// HKDF salt of an ephemeral ECDH private key (a counter byte is the info).
    public static let ephemeralKey: [UInt8] = Array("coffer/realm/v1/ephemeral-key".utf8)
    /// Signature label of an export offer.
    public static let exportOffer: [UInt8] = Array("coffer/realm/v1/export-offer".utf8)
    /// HKDF info prefix of an export's key-encryption key.
    public static let exportKEK: [UInt8] = Array("coffer/realm/v1/export".utf8)
    /// Signature label of an export.
    public static let export: [UInt8] = Array("coffer/realm/v1/export-wrapped".utf8)
    /// Signature label of a manifest.
    public static let manifest: [UInt8] = Array("coffer/realm/v1/manifest".utf8)
    /// HKDF salt of the sealed-secrets keys, and the first bytes of a sealed blob's AAD.
    public static let sealedSecrets: [UInt8] = Array("coffer/realm/v1/sealed-secrets".utf8)
    /// HKDF info of the sealed-secrets AES-256-GCM key.
    public static let sealedSecretsKey: [UInt8] = Array("coffer/realm/v1/sealed-secrets-key".utf8)
    /// HKDF info of the key of the sealed-secrets synthetic nonces.
    public static let sealedSecretsNonce: [UInt8] = Array("coffer/realm/v1/sealed-secrets-nonce".utf8)
}

/// Why a ceremony step refused. Extend-only: never renumber. None carries a secret.
public enum RealmCeremonyError: Error, Equatable, Sendable {
    /// The draft's suite is not the one this firmware serves.
    case suiteMismatch
    /// An emulator or seeded device may join only a draft marked "test realm".
    case testDeviceInProductionRealm
    /// This device's identity key is not among the draft's members.
    case notAMember
    /// Entropy of another length than 32 bytes.
    case invalidEntropy
    /// The identity key could not sign, or an ephemeral key could not be made (a HAL failure).
    case cryptoFailure
    /// The held secrets belong to another draft than this ceremony's.
    case secretsOfAnotherDraft
    /// An offer, export, manifest or sealed blob whose bytes do not decode.
    case malformedMessage
    /// An offer made for another draft.
    case offerForAnotherDraft
    /// An offer naming a member id outside the draft.
    case offerFromUnknownMember
    /// An offer from this member itself: a member never exports to itself.
    case offerFromSelf
    /// An offer whose signature does not verify under the draft's key of the member it names.
    case badOfferSignature
    /// An offer's ephemeral key is not a P-256 point (signed by a member, so that member is faulty).
    case badOfferKey
    /// An export made under another draft.
    case exportForAnotherDraft
    /// An export addressed to another member.
    case exportForAnotherMember
    /// An export answering another offer than the one this import made (another ephemeral key).
    case exportForAnotherOffer
    /// An export naming an exporter outside the draft, or this member.
    case exportFromUnknownMember
    /// An export whose signature does not verify under the draft's key of the exporter it names.
    case badExportSignature
    /// An export's ephemeral key is not a P-256 point.
    case badExportKey
    /// The wrapped root secret did not unwrap (wrong key or changed bytes) or is not 32 bytes.
    case unwrapFailed
    /// A manifest whose draft is not this ceremony's draft.
    case manifestForAnotherDraft
    /// A manifest whose realm AKE key is not the one the held secrets give.
    case manifestAKEKeyMismatch
    /// Fewer manifest signatures than members.
    case missingManifestSignature
    /// More manifest signatures than members.
    case unexpectedManifestSignature
    /// The signature of this member id does not verify over the manifest.
    case badManifestSignature(memberID: UInt8)
    /// A sealed blob that does not open under this device's key for this draft.
    case sealedSecretsRefused
    /// An import with no offer outstanding on this chip (never made, already answered, or lost with
    /// a restart: the ephemeral key lives in RAM only).
    case noPendingImport
}

/// What every member agrees on before any secret exists: the realm, its suite, its one group, its
/// attempt-limit policy, and whether it is a test realm. Its hash binds every later message.
public struct RealmDraft: Equatable, Sendable {
    /// Version byte of the encoding.
    public static let formatVersion: UInt8 = 1
    /// Bytes before the group configuration: version, realm id, suite, flags, default and max limits.
    static let headerLength = 1 + RealmGroupConfiguration.idLength + 4
    /// Flag bit: a test realm, which emulators and seeded devices may join.
    static let testRealmFlag: UInt8 = 0x01

    /// The realm (equal to `group.realmID`).
    public let realmID: [UInt8]
    /// The OPAQUE suite of the realm.
    public let suite: VaultSuite
    /// The group: its members' identity keys (a member's id is its index), config id and range.
    public let group: RealmGroupConfiguration
    /// Attempt limit of records registered without one.
    public let defaultAttemptLimit: UInt8
    /// Most attempts any record may have.
    public let maxAttemptLimit: UInt8
    /// Whether this is a test realm (the only kind emulators and seeded devices join).
    public let isTestRealm: Bool

    /// Nil unless the realm id is the group's, the suite is a known one, and
    /// 1 ≤ default ≤ max (both in `VaultLimits.attemptLimitRange`).
    public init?(
        realmID: [UInt8], suite: VaultSuite, group: RealmGroupConfiguration, defaultAttemptLimit: UInt8,
        maxAttemptLimit: UInt8, isTestRealm: Bool
    ) {
        guard realmID == group.realmID, VaultSuite.known.contains(suite),
            VaultLimits.attemptLimitRange.contains(defaultAttemptLimit),
            VaultLimits.attemptLimitRange.contains(maxAttemptLimit), defaultAttemptLimit <= maxAttemptLimit
        else { return nil }
        self.realmID = realmID
        self.suite = suite
        self.group = group
        self.defaultAttemptLimit = defaultAttemptLimit
        self.maxAttemptLimit = maxAttemptLimit
        self.isTestRealm = isTestRealm
    }

    /// version ‖ realm id (16) ‖ suite (1) ‖ flags (1) ‖ default limit (1) ‖ max limit (1) ‖
    /// group configuration.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.formatVersion]
        out += realmID
        out.append(suite.rawValue)
        out.append(isTestRealm ? Self.testRealmFlag : 0)
        out.append(defaultAttemptLimit)
        out.append(maxAttemptLimit)
        return out + group.encoded()
    }

    /// Length of the draft encoding at the start of `bytes`, read from its member count; nil when too short.
    static func encodedLength(prefixOf bytes: [UInt8]) -> Int? {
        let countAt = headerLength + 2 * RealmGroupConfiguration.idLength + 4
        guard bytes.count > countAt else { return nil }
        return countAt + 1 + Int(bytes[countAt]) * RealmGroupConfiguration.memberKeyLength + 64
    }

    /// Parses exactly `encoded()`; nil for anything else (unknown version or flags, trailing bytes).
    public init?(encoded bytes: [UInt8]) {
        guard bytes.count > Self.headerLength, bytes[0] == Self.formatVersion,
            bytes[18] & ~Self.testRealmFlag == 0,
            let group = RealmGroupConfiguration(encoded: Array(bytes[Self.headerLength...]))
        else { return nil }
        self.init(
            realmID: Array(bytes[1..<17]), suite: VaultSuite(rawValue: bytes[17]), group: group,
            defaultAttemptLimit: bytes[19], maxAttemptLimit: bytes[20], isTestRealm: bytes[18] == Self.testRealmFlag)
    }

    /// SHA-256 of `encoded()`: what every ceremony message names its draft by.
    public func hash<Engine: CryptoEngine>(engine: Engine) -> [UInt8] { engine.sha256(encoded()) }
}

/// An importer's request for the root secret: its draft, its member id and a fresh ephemeral P-256 key,
/// signed by its identity key. An exporter answers only an offer whose signature verifies under the key
/// the draft lists for that id, so nobody outside the draft can receive the secret.
public struct RealmExportOffer: Equatable, Sendable {
    /// draft hash (32) ‖ importer id (1) ‖ ephemeral key (33) ‖ signature (64).
    public static let encodedLength = 32 + 1 + 33 + 64

    public let draftHash: [UInt8]
    public let importerID: UInt8
    /// Compressed SEC1 P-256 key, used for this one offer.
    public let ephemeralPublicKey: [UInt8]
    /// ECDSA P-256 (r ‖ s) by the importer's identity key over `signedBytes`.
    public let signature: [UInt8]

    init(draftHash: [UInt8], importerID: UInt8, ephemeralPublicKey: [UInt8], signature: [UInt8]) {
        self.draftHash = draftHash
        self.importerID = importerID
        self.ephemeralPublicKey = ephemeralPublicKey
        self.signature = signature
    }

    /// "coffer/realm/v1/export-offer" ‖ draft hash ‖ importer id ‖ ephemeral key.
    static func signedBytes(draftHash: [UInt8], importerID: UInt8, ephemeralPublicKey: [UInt8]) -> [UInt8] {
        RealmCeremonyLabel.exportOffer + draftHash + [importerID] + ephemeralPublicKey
    }

    var signedBytes: [UInt8] {
        Self.signedBytes(draftHash: draftHash, importerID: importerID, ephemeralPublicKey: ephemeralPublicKey)
    }

    public func encoded() -> [UInt8] { draftHash + [importerID] + ephemeralPublicKey + signature }

    /// Parses exactly `encoded()`.
    public init?(encoded bytes: [UInt8]) {
        guard bytes.count == Self.encodedLength else { return nil }
        self.init(
            draftHash: Array(bytes[0..<32]), importerID: bytes[32], ephemeralPublicKey: Array(bytes[33..<66]),
            signature: Array(bytes[66..<130]))
    }
}

/// The exporter's answer: the root secret wrapped (RFC 5649) under a key only the offer's ephemeral key
/// can derive, bound to the draft, both ids and both ephemeral keys, signed by the exporter's identity key.
public struct RealmExport: Equatable, Sendable {
    /// Bytes of the wrapped root secret (32 bytes wrapped: + 8).
    public static let wrappedLength = RealmSecrets.rootLength + 8
    /// draft hash (32) ‖ exporter id (1) ‖ importer id (1) ‖ importer's ephemeral key (33) ‖
    /// exporter's ephemeral key (33) ‖ wrapped root (40) ‖ signature (64).
    public static let encodedLength = 32 + 1 + 1 + 33 + 33 + wrappedLength + 64

    public let draftHash: [UInt8]
    public let exporterID: UInt8
    public let importerID: UInt8
    public let importerEphemeralKey: [UInt8]
    public let exporterEphemeralKey: [UInt8]
    public let wrappedRoot: [UInt8]
    /// ECDSA P-256 (r ‖ s) by the exporter's identity key over `signedBytes`.
    public internal(set) var signature: [UInt8]

    init(
        draftHash: [UInt8], exporterID: UInt8, importerID: UInt8, importerEphemeralKey: [UInt8],
        exporterEphemeralKey: [UInt8], wrappedRoot: [UInt8], signature: [UInt8]
    ) {
        self.draftHash = draftHash
        self.exporterID = exporterID
        self.importerID = importerID
        self.importerEphemeralKey = importerEphemeralKey
        self.exporterEphemeralKey = exporterEphemeralKey
        self.wrappedRoot = wrappedRoot
        self.signature = signature
    }

    /// draft hash ‖ exporter id ‖ importer id ‖ importer's ephemeral key ‖ exporter's ephemeral key: what
    /// both the KEK and the signature bind.
    var binding: [UInt8] {
        Self.binding(
            draftHash: draftHash, exporterID: exporterID, importerID: importerID,
            importerEphemeralKey: importerEphemeralKey, exporterEphemeralKey: exporterEphemeralKey)
    }

    static func binding(
        draftHash: [UInt8], exporterID: UInt8, importerID: UInt8, importerEphemeralKey: [UInt8],
        exporterEphemeralKey: [UInt8]
    ) -> [UInt8] {
        draftHash + [exporterID, importerID] + importerEphemeralKey + exporterEphemeralKey
    }

    /// "coffer/realm/v1/export-wrapped" ‖ binding ‖ wrapped root.
    var signedBytes: [UInt8] { RealmCeremonyLabel.export + binding + wrappedRoot }

    public func encoded() -> [UInt8] { binding + wrappedRoot + signature }

    /// Parses exactly `encoded()`.
    public init?(encoded bytes: [UInt8]) {
        guard bytes.count == Self.encodedLength else { return nil }
        let wrappedEnd = 100 + Self.wrappedLength
        self.init(
            draftHash: Array(bytes[0..<32]), exporterID: bytes[32], importerID: bytes[33],
            importerEphemeralKey: Array(bytes[34..<67]), exporterEphemeralKey: Array(bytes[67..<100]),
            wrappedRoot: Array(bytes[100..<wrappedEnd]), signature: Array(bytes[wrappedEnd..<wrappedEnd + 64]))
    }
}

/// The public result of a ceremony: the draft and the realm's OPAQUE AKE public key, which clients pin.
/// Published with one signature per member (in member-id order) as deployment evidence.
public struct RealmManifest: Equatable, Sendable {
    public let draft: RealmDraft
    /// The realm's OPAQUE AKE public key (`Npk` bytes of the suite).
    public let akePublicKey: [UInt8]

    public init(draft: RealmDraft, akePublicKey: [UInt8]) {
        self.draft = draft
        self.akePublicKey = akePublicKey
    }

    /// draft ‖ realm AKE public key.
    public func encoded() -> [UInt8] { draft.encoded() + akePublicKey }

    /// Parses `encoded()`: the draft's length comes from its member count; the AKE key is the rest, as
    /// long as the draft's suite has (33 bytes for P256-SHA256, 32 for ristretto255-SHA512).
    public init?(encoded bytes: [UInt8]) {
        guard let draftLength = RealmDraft.encodedLength(prefixOf: bytes), bytes.count > draftLength,
            let draft = RealmDraft(encoded: Array(bytes[0..<draftLength]))
        else { return nil }
        let key = Array(bytes[draftLength...])
        guard key.count == (draft.suite == .ristretto255SHA512 ? 32 : 33) else { return nil }
        self.init(draft: draft, akePublicKey: key)
    }

    /// "coffer/realm/v1/manifest" ‖ manifest.
    var signedBytes: [UInt8] { RealmCeremonyLabel.manifest + encoded() }

    /// Checks one signature per member, in member-id order, each under the draft's key of that member:
    /// all members must sign. Refuses with the first failure.
    public func verify<Engine: CryptoEngine>(signatures: [[UInt8]], engine: Engine) throws(RealmCeremonyError) {
        let members = draft.group.members
        guard signatures.count >= members.count else { throw .missingManifestSignature }
        guard signatures.count == members.count else { throw .unexpectedManifestSignature }
        let message = signedBytes
        for (id, key) in members.enumerated()
        where !engine.ecdsaVerify(publicKey: key, message: message, signature: signatures[id]) {
            throw .badManifestSignature(memberID: UInt8(id))
        }
    }
}
