// The realm ceremony on the device side, without I/O (../shared/REALM.md, "Ceremony and what clients
// pin"). One member generates the realm root secret; every other member imports it over signed
// ephemeral ECDH: the importer offers a fresh key signed by its identity key, the exporter answers only
// an offer that verifies under the draft's key for that member, wraps the root (RFC 5649) under an HKDF
// of the shared secret bound to the realm, the draft and both parties, and signs the result. Every
// member then signs the manifest (draft ‖ realm AKE key) only if its own secrets give that AKE key.
//
// Inputs are bytes and entropy; outputs are messages for the agent to carry. Keeping the secrets
// (sealed, `RealmSealedSecrets`) and forgetting them on zeroize is the integrating chip's job.

import OPAQUE

/// A member's realm secrets with what they are for: the draft they belong to and the realm AKE public
/// key they give. Only the ceremony and `RealmSealedSecrets` make one.
public struct RealmMemberSecrets {
    /// The realm's secrets, every key derived from the root.
    public let secrets: RealmSecrets
    /// The realm's OPAQUE AKE public key, derived from `secrets.akeSeed`.
    public let akePublicKey: [UInt8]
    /// SHA-256 of the draft these secrets were made or imported under.
    public let draftHash: [UInt8]

    /// Derives the secrets and the AKE key pair's public key from a root.
    init<Engine: CryptoEngine>(root: SecretBytes, draftHash: [UInt8], engine: Engine) throws(RealmCeremonyError) {
        guard root.count == RealmSecrets.rootLength else { throw .unwrapFailed }
        secrets = RealmSecrets(root: root.bytes, engine: engine)
        do {
            akePublicKey = try OPAQUEKeyPair(diffieHellmanSeed: secrets.akeSeed, suite: engine.suite).publicKey
        } catch {
            throw .cryptoFailure
        }
        self.draftHash = draftHash
    }
}

/// One member's side of the ceremony for one draft: its identity, its member id in the draft, and the
/// steps it may take. Holds no realm secret itself.
public struct RealmCeremony<Engine: CryptoEngine> {
    /// Bytes of entropy every step that draws randomness takes.
    public static var entropyLength: Int { 32 }

    public let engine: Engine
    public let draft: RealmDraft
    /// SHA-256 of the draft's encoding.
    public let draftHash: [UInt8]
    /// This member's id: the index of its identity key in the draft.
    public let memberID: UInt8
    /// This member's identity public key (compressed SEC1).
    public let identityPublicKey: [UInt8]
    private let identityPrivateKey: SecretBytes

    /// This device's part in `draft`. Refuses a draft of another suite, a production draft on a device
    /// that may join only test realms (an emulator or a seeded device), and a draft that does not list
    /// this device's identity key.
    public init(
        engine: Engine, draft: RealmDraft, identityPrivateKey: SecretBytes, deviceIsTestOnly: Bool
    ) throws(RealmCeremonyError) {
        guard draft.suite == engine.vaultSuite else { throw .suiteMismatch }
        guard draft.isTestRealm || !deviceIsTestOnly else { throw .testDeviceInProductionRealm }
        let publicKey: [UInt8]
        do { publicKey = try engine.ecdsaPublicKey(privateKey: identityPrivateKey.bytes) } catch {
            throw .cryptoFailure
        }
        guard let id = draft.group.memberID(of: publicKey) else { throw .notAMember }
        self.engine = engine
        self.draft = draft
        self.draftHash = draft.hash(engine: engine)
        self.memberID = UInt8(id)
        self.identityPublicKey = publicKey
        self.identityPrivateKey = identityPrivateKey
    }

    // MARK: - Generating

    /// Makes the realm's root secret from 32 bytes of the TRNG (conditioned by HKDF and bound to the
    /// draft), and the secrets and AKE key derived from it.
    public func generate(entropy: [UInt8]) throws(RealmCeremonyError) -> RealmMemberSecrets {
        guard entropy.count == Self.entropyLength else { throw .invalidEntropy }
        let root = SecretBytes(
            engine.hkdf(
                ikm: entropy, salt: draft.realmID, info: RealmCeremonyLabel.root + draftHash,
                length: RealmSecrets.rootLength))
        return try RealmMemberSecrets(root: root, draftHash: draftHash, engine: engine)
    }

    // MARK: - Importing

    /// Starts an import: a fresh ephemeral key pair from `entropy`, and the offer to send to the
    /// exporter, signed by this member's identity key. The returned import is used once.
    public func makeOffer(entropy: [UInt8]) throws(RealmCeremonyError) -> RealmPendingImport<Engine> {
        let (privateKey, publicKey) = try ephemeralKeyPair(entropy: entropy)
        let message = RealmExportOffer.signedBytes(
            draftHash: draftHash, importerID: memberID, ephemeralPublicKey: publicKey)
        let offer = RealmExportOffer(
            draftHash: draftHash, importerID: memberID, ephemeralPublicKey: publicKey,
            signature: try sign(message))
        return RealmPendingImport(ceremony: self, ephemeralPrivateKey: privateKey, offer: offer)
    }

    // MARK: - Exporting

    /// Answers `offer` with the root secret of `secrets`, wrapped for the offering member only. Refuses
    /// secrets or an offer of another draft, an offer naming no member or this member, and an offer whose
    /// signature is not by the draft's key of the member it names.
    public func export(
        _ secrets: RealmMemberSecrets, to offer: RealmExportOffer, entropy: [UInt8]
    ) throws(RealmCeremonyError) -> RealmExport {
        guard engine.constantTimeEqual(secrets.draftHash, draftHash) else { throw .secretsOfAnotherDraft }
        guard engine.constantTimeEqual(offer.draftHash, draftHash) else { throw .offerForAnotherDraft }
        guard Int(offer.importerID) < draft.group.members.count else { throw .offerFromUnknownMember }
        guard offer.importerID != memberID else { throw .offerFromSelf }
        let importerKey = draft.group.members[Int(offer.importerID)]
        guard engine.ecdsaVerify(publicKey: importerKey, message: offer.signedBytes, signature: offer.signature)
        else { throw .badOfferSignature }

        let (privateKey, publicKey) = try ephemeralKeyPair(entropy: entropy)
        let shared: SecretBytes
        do {
            shared = SecretBytes(
                try engine.ecdhP256(privateKey: privateKey.bytes, peerPublicKey: offer.ephemeralPublicKey))
        } catch {
            throw .badOfferKey
        }
        let kek = exportKEK(
            shared: shared,
            binding: RealmExport.binding(
                draftHash: draftHash, exporterID: memberID, importerID: offer.importerID,
                importerEphemeralKey: offer.ephemeralPublicKey, exporterEphemeralKey: publicKey))
        let wrapped: [UInt8]
        do { wrapped = try engine.aesKeyWrapPadded(kek: kek.bytes, plaintext: secrets.secrets.root.bytes) } catch {
            throw .cryptoFailure
        }
        var export = RealmExport(
            draftHash: draftHash, exporterID: memberID, importerID: offer.importerID,
            importerEphemeralKey: offer.ephemeralPublicKey, exporterEphemeralKey: publicKey, wrappedRoot: wrapped,
            signature: [])
        export.signature = try sign(export.signedBytes)
        return export
    }

    // MARK: - The manifest

    /// The manifest these secrets give: this draft and their realm AKE public key.
    public func manifest(for secrets: RealmMemberSecrets) throws(RealmCeremonyError) -> RealmManifest {
        guard engine.constantTimeEqual(secrets.draftHash, draftHash) else { throw .secretsOfAnotherDraft }
        return RealmManifest(draft: draft, akePublicKey: secrets.akePublicKey)
    }

    /// This member's signature of `manifest`, given only when the manifest's draft is this ceremony's
    /// and its AKE key is the one this member's own secrets give.
    public func signManifest(
        _ manifest: RealmManifest, holding secrets: RealmMemberSecrets
    ) throws(RealmCeremonyError) -> [UInt8] {
        guard engine.constantTimeEqual(manifest.draft.hash(engine: engine), draftHash) else {
            throw .manifestForAnotherDraft
        }
        guard engine.constantTimeEqual(secrets.draftHash, draftHash) else { throw .secretsOfAnotherDraft }
        guard engine.constantTimeEqual(secrets.akePublicKey, manifest.akePublicKey) else {
            throw .manifestAKEKeyMismatch
        }
        return try sign(manifest.signedBytes)
    }

    // MARK: - Shared steps

    /// HKDF-SHA256(shared x, salt = realm id, info = "coffer/realm/v1/export" ‖ binding), 32 bytes.
    func exportKEK(shared: SecretBytes, binding: [UInt8]) -> SecretBytes {
        SecretBytes(
            engine.hkdf(
                ikm: shared.bytes, salt: draft.realmID, info: RealmCeremonyLabel.exportKEK + binding, length: 32))
    }

    /// An ephemeral P-256 key pair from 32 bytes of entropy: the first HKDF output (counter 0, 1, …) that
    /// is a valid scalar, as `DeviceKeys` derives the identity key.
    func ephemeralKeyPair(entropy: [UInt8]) throws(RealmCeremonyError) -> (SecretBytes, [UInt8]) {
        guard entropy.count == Self.entropyLength else { throw .invalidEntropy }
        for counter in 0...UInt8.max {
            let candidate = SecretBytes(
                engine.hkdf(ikm: entropy, salt: RealmCeremonyLabel.ephemeralKey, info: [counter], length: 32))
            if let publicKey = try? engine.ecdsaPublicKey(privateKey: candidate.bytes) {
                return (candidate, publicKey)
            }
        }
        throw .cryptoFailure
    }

    func sign(_ message: [UInt8]) throws(RealmCeremonyError) -> [UInt8] {
        do { return try engine.ecdsaSign(privateKey: identityPrivateKey.bytes, message: message) } catch {
            throw .cryptoFailure
        }
    }
}

/// An import in progress: the offer sent and the ephemeral private key that alone can open its answer.
/// Not copyable, and `accept` consumes it: the ephemeral key answers one export, and is wiped when the
/// import ends, whether it succeeded or not (a failed import starts over with a new offer).
public struct RealmPendingImport<Engine: CryptoEngine>: ~Copyable {
    let ceremony: RealmCeremony<Engine>
    let ephemeralPrivateKey: SecretBytes
    /// The offer to send to the exporter.
    public let offer: RealmExportOffer

    init(ceremony: RealmCeremony<Engine>, ephemeralPrivateKey: SecretBytes, offer: RealmExportOffer) {
        self.ceremony = ceremony
        self.ephemeralPrivateKey = ephemeralPrivateKey
        self.offer = offer
    }

    /// Imports the root secret from `export`. Refuses an export of another draft, for another member or
    /// another offer, from no member or this one, not signed by the draft's key of the exporter it names,
    /// or whose wrapped root does not unwrap.
    public consuming func accept(_ export: RealmExport) throws(RealmCeremonyError) -> RealmMemberSecrets {
        let engine = ceremony.engine
        let members = ceremony.draft.group.members
        guard engine.constantTimeEqual(export.draftHash, ceremony.draftHash) else { throw .exportForAnotherDraft }
        guard export.importerID == ceremony.memberID else { throw .exportForAnotherMember }
        guard engine.constantTimeEqual(export.importerEphemeralKey, offer.ephemeralPublicKey) else {
            throw .exportForAnotherOffer
        }
        guard Int(export.exporterID) < members.count, export.exporterID != ceremony.memberID else {
            throw .exportFromUnknownMember
        }
        guard
            engine.ecdsaVerify(
                publicKey: members[Int(export.exporterID)], message: export.signedBytes, signature: export.signature)
        else { throw .badExportSignature }
        let shared: SecretBytes
        do {
            shared = SecretBytes(
                try engine.ecdhP256(
                    privateKey: ephemeralPrivateKey.bytes, peerPublicKey: export.exporterEphemeralKey))
        } catch {
            throw .badExportKey
        }
        let kek = ceremony.exportKEK(shared: shared, binding: export.binding)
        let root: SecretBytes
        do { root = SecretBytes(try engine.aesKeyUnwrapPadded(kek: kek.bytes, wrapped: export.wrappedRoot)) } catch {
            throw .unwrapFailed
        }
        return try RealmMemberSecrets(root: root, draftHash: ceremony.draftHash, engine: engine)
    }
}
