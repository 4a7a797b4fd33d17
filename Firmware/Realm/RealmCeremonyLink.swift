// The realm ceremony as vendor commands on the CTAPHID link (docs/PROTOCOL.md §11.8): the agent runs
// the steps of REALM.md "Ceremony" on each member through these, carrying the offers, exports and
// signatures between them. Framed as the member commands are (version ‖ body in, status ‖ body out)
// and just as strict: every field has its length or a u16 length under a named limit, nothing trails.
//
// The chip keeps no ceremony state but one import's ephemeral key (RAM): realm secrets travel only
// as the blob `RealmSealedSecrets` makes, which opens on this chip alone and for its draft alone, so
// the agent holds it between steps and a restart loses nothing but an offer.

import CofferProtocol

/// The ceremony's commands, numbered after the member commands (0x60–0x67). Extend-only.
public enum RealmCeremonyOperation: UInt8, CaseIterable, Equatable, Sendable {
    /// A draft → this chip's member id in it and its hash (the chip checks it could take part).
    case checkDraft = 0x68
    /// A draft → a new root secret made inside this chip: its sealed blob and the manifest it gives.
    case generate = 0x69
    /// A draft → a signed offer of a fresh ephemeral key (its private half stays in RAM).
    case offer = 0x6A
    /// A draft, this chip's sealed secrets and a member's offer → the root wrapped for that member.
    case export = 0x6B
    /// An export answering this chip's outstanding offer → its sealed blob and the manifest it gives.
    case importSecrets = 0x6C
    /// A manifest and this chip's sealed secrets → its signature of the manifest.
    case signManifest = 0x6D
    /// A manifest, every member's signature and this chip's sealed secrets → membership.
    case join = 0x6E
}

/// A ceremony command from an agent: command byte `operation.rawValue`, payload `encodedPayload()`.
public enum RealmCeremonyRequest: Equatable, Sendable {
    /// body: u16 length ‖ draft
    case checkDraft(RealmDraft)
    /// body: u16 length ‖ draft
    case generate(RealmDraft)
    /// body: u16 length ‖ draft
    case offer(RealmDraft)
    /// body: u16 length ‖ draft ‖ sealed secrets (61) ‖ offer (130)
    case export(RealmDraft, sealed: [UInt8], offer: RealmExportOffer)
    /// body: export (204)
    case importSecrets(RealmExport)
    /// body: u16 length ‖ manifest ‖ sealed secrets (61)
    case signManifest(RealmManifest, sealed: [UInt8])
    /// body: u16 length ‖ manifest ‖ sealed secrets (61) ‖ u8 n ‖ n × signature (64), in member-id order
    case join(RealmManifest, sealed: [UInt8], signatures: [[UInt8]])

    public var operation: RealmCeremonyOperation {
        switch self {
        case .checkDraft: .checkDraft
        case .generate: .generate
        case .offer: .offer
        case .export: .export
        case .importSecrets: .importSecrets
        case .signManifest: .signManifest
        case .join: .join
        }
    }

    /// Version ‖ body.
    public func encodedPayload() -> [UInt8] {
        var writer = LinkWriter()
        writer.u8(CofferProtocolVersion.current)
        switch self {
        case .checkDraft(let draft), .generate(let draft), .offer(let draft): writer.field(draft.encoded())
        case .export(let draft, let sealed, let offer):
            writer.field(draft.encoded())
            writer.bytes += sealed + offer.encoded()
        case .importSecrets(let export): writer.bytes += export.encoded()
        case .signManifest(let manifest, let sealed):
            writer.field(manifest.encoded())
            writer.bytes += sealed
        case .join(let manifest, let sealed, let signatures):
            writer.field(manifest.encoded())
            writer.bytes += sealed
            writer.u8(UInt8(truncatingIfNeeded: signatures.count))
            for signature in signatures { writer.bytes += signature }
        }
        return writer.bytes
    }

    /// Decodes the payload of vendor command `command`.
    public init(command: UInt8, payload: [UInt8]) throws(RealmLinkError) {
        guard let operation = RealmCeremonyOperation(rawValue: command) else { throw .unknownCommand }
        guard payload.count <= RealmLinkLimits.maxMessageLength else { throw .lengthOutOfRange }
        var reader = LinkReader(payload)
        guard try reader.u8() == CofferProtocolVersion.current else { throw .unsupportedVersion }
        switch operation {
        case .checkDraft: self = .checkDraft(try reader.draft())
        case .generate: self = .generate(try reader.draft())
        case .offer: self = .offer(try reader.draft())
        case .export:
            let draft = try reader.draft()
            let sealed = try reader.take(RealmSealedSecrets.sealedLength)
            guard let offer = RealmExportOffer(encoded: try reader.take(RealmExportOffer.encodedLength)) else {
                throw .invalidValue
            }
            self = .export(draft, sealed: sealed, offer: offer)
        case .importSecrets:
            guard let export = RealmExport(encoded: try reader.take(RealmExport.encodedLength)) else {
                throw .invalidValue
            }
            self = .importSecrets(export)
        case .signManifest:
            let manifest = try reader.manifest()
            self = .signManifest(manifest, sealed: try reader.take(RealmSealedSecrets.sealedLength))
        case .join:
            let manifest = try reader.manifest()
            let sealed = try reader.take(RealmSealedSecrets.sealedLength)
            let count = Int(try reader.u8())
            guard count <= RealmGroupConfiguration.maxMembers else { throw .lengthOutOfRange }
            var signatures: [[UInt8]] = []
            for _ in 0..<count { signatures.append(try reader.take(RealmCeremonyLink.signatureLength)) }
            self = .join(manifest, sealed: sealed, signatures: signatures)
        }
        try reader.finish()
    }
}

/// A chip's answer to a ceremony command: status ‖ body, the body only when the status is ok.
public enum RealmCeremonyReply: Equatable, Sendable {
    /// A non-zero status: a `RealmCeremonyError.wireCode`, a `RealmError.wireCode` or a `RealmLinkStatus`.
    case failure(status: UInt8)
    /// member id ‖ draft hash (32)
    case checkDraft(memberID: UInt8, draftHash: [UInt8])
    /// sealed secrets (61) ‖ u16 length ‖ manifest (generate and importSecrets)
    case secrets(sealed: [UInt8], manifest: RealmManifest)
    /// offer (130)
    case offer(RealmExportOffer)
    /// export (204)
    case export(RealmExport)
    /// signature (64)
    case signature([UInt8])
    /// member id
    case joined(memberID: UInt8)

    public var status: UInt8 {
        if case .failure(let status) = self { return status }
        return RealmLinkStatus.ok
    }

    public func encoded() -> [UInt8] {
        var writer = LinkWriter()
        writer.u8(status)
        switch self {
        case .failure: break
        case .checkDraft(let id, let hash): writer.bytes += [id] + hash
        case .secrets(let sealed, let manifest):
            writer.bytes += sealed
            writer.field(manifest.encoded())
        case .offer(let offer): writer.bytes += offer.encoded()
        case .export(let export): writer.bytes += export.encoded()
        case .signature(let signature): writer.bytes += signature
        case .joined(let id): writer.u8(id)
        }
        return writer.bytes
    }

    /// Decodes a chip's reply to `operation`.
    public init(operation: RealmCeremonyOperation, decoding bytes: [UInt8]) throws(RealmLinkError) {
        guard bytes.count <= RealmLinkLimits.maxMessageLength else { throw .lengthOutOfRange }
        var reader = LinkReader(bytes)
        let status = try reader.u8()
        guard status == RealmLinkStatus.ok else {
            try reader.finish()
            self = .failure(status: status)
            return
        }
        switch operation {
        case .checkDraft: self = .checkDraft(memberID: try reader.u8(), draftHash: try reader.take(32))
        case .generate, .importSecrets:
            let sealed = try reader.take(RealmSealedSecrets.sealedLength)
            self = .secrets(sealed: sealed, manifest: try reader.manifest())
        case .offer:
            guard let offer = RealmExportOffer(encoded: try reader.take(RealmExportOffer.encodedLength)) else {
                throw .invalidValue
            }
            self = .offer(offer)
        case .export:
            guard let export = RealmExport(encoded: try reader.take(RealmExport.encodedLength)) else {
                throw .invalidValue
            }
            self = .export(export)
        case .signManifest: self = .signature(try reader.take(RealmCeremonyLink.signatureLength))
        case .join: self = .joined(memberID: try reader.u8())
        }
        try reader.finish()
    }
}

/// Sizes of the ceremony's commands.
public enum RealmCeremonyLink {
    /// An ECDSA P-256 signature, r ‖ s.
    public static let signatureLength = 64
    /// The longest draft or manifest field (a group of the most members fits well under it).
    public static let maxDraftLength = 1024
}

extension LinkReader {
    /// A u16-length-prefixed draft.
    mutating func draft() throws(RealmLinkError) -> RealmDraft {
        guard let draft = RealmDraft(encoded: try field(limit: RealmCeremonyLink.maxDraftLength)) else {
            throw .invalidValue
        }
        return draft
    }

    /// A u16-length-prefixed manifest.
    mutating func manifest() throws(RealmLinkError) -> RealmManifest {
        guard let manifest = RealmManifest(encoded: try field(limit: RealmCeremonyLink.maxDraftLength)) else {
            throw .invalidValue
        }
        return manifest
    }
}

extension RealmCeremonyError {
    /// The stable wire code of this error, 0x20–0x3F (never renumbered; a bad manifest signature is
    /// one code whichever member's it is).
    public var wireCode: UInt8 {
        switch self {
        case .suiteMismatch: 0x20
        case .testDeviceInProductionRealm: 0x21
        case .notAMember: 0x22
        case .invalidEntropy: 0x23
        case .cryptoFailure: 0x24
        case .secretsOfAnotherDraft: 0x25
        case .malformedMessage: 0x26
        case .offerForAnotherDraft: 0x27
        case .offerFromUnknownMember: 0x28
        case .offerFromSelf: 0x29
        case .badOfferSignature: 0x2A
        case .badOfferKey: 0x2B
        case .exportForAnotherDraft: 0x2C
        case .exportForAnotherMember: 0x2D
        case .exportForAnotherOffer: 0x2E
        case .exportFromUnknownMember: 0x2F
        case .badExportSignature: 0x30
        case .badExportKey: 0x31
        case .unwrapFailed: 0x32
        case .manifestForAnotherDraft: 0x33
        case .manifestAKEKeyMismatch: 0x34
        case .missingManifestSignature: 0x35
        case .unexpectedManifestSignature: 0x36
        case .badManifestSignature: 0x37
        case .sealedSecretsRefused: 0x38
        case .noPendingImport: 0x39
        }
    }

    /// The error a wire code names (a bad manifest signature comes back naming member 0: the wire
    /// does not say which); nil for a code outside the ceremony's.
    public init?(wireCode: UInt8) {
        let all: [RealmCeremonyError] = [
            .suiteMismatch, .testDeviceInProductionRealm, .notAMember, .invalidEntropy, .cryptoFailure,
            .secretsOfAnotherDraft, .malformedMessage, .offerForAnotherDraft, .offerFromUnknownMember, .offerFromSelf,
            .badOfferSignature, .badOfferKey, .exportForAnotherDraft, .exportForAnotherMember, .exportForAnotherOffer,
            .exportFromUnknownMember, .badExportSignature, .badExportKey, .unwrapFailed, .manifestForAnotherDraft,
            .manifestAKEKeyMismatch, .missingManifestSignature, .unexpectedManifestSignature,
            .badManifestSignature(memberID: 0), .sealedSecretsRefused, .noPendingImport,
        ]
        guard let match = all.first(where: { $0.wireCode == wireCode }) else { return nil }
        self = match
    }
}
