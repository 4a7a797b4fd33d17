// The realm ceremony between members in memory (../shared/REALM.md, "Ceremony and what clients pin"):
// a whole 3-member ceremony, then each attack the ceremony must refuse, each expecting its own error so
// that removing the check it exercises makes the test fail (another check would refuse with another
// error, or nothing would). Seeded: every identity key, entropy draw and draft follows from the seed.

import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import OPAQUE
import Testing

@testable import CofferFirmware

/// The refusal of an import (nil when it imported): the pending import is consumed either way.
private func refusal(
    _ pending: consuming RealmPendingImport<TestEngine>, _ export: RealmExport
) -> RealmCeremonyError? {
    do {
        _ = try pending.accept(export)
        return nil
    } catch {
        return error
    }
}

/// Flips one bit of byte `index`.
private func flipped(_ bytes: [UInt8], at index: Int) -> [UInt8] {
    var copy = bytes
    copy[index] ^= 0x01
    return copy
}

@Suite("Realm ceremony")
struct RealmCeremonyTests {
    @Test("a 3-member ceremony: all hold equal secrets, the manifest carries all three signatures")
    func threeMembers() throws {
        let realm = try CeremonyFixture(seed: 0xCE1)
        // Member 1 imports from the generator, then member 2 imports from member 1: any holder can export.
        let generated = try realm.members[0].generate(entropy: realm.entropy())
        let pending1 = try realm.members[1].makeOffer(entropy: realm.entropy())
        let export1 = try realm.members[0].export(generated, to: pending1.offer, entropy: realm.entropy())
        let imported1 = try pending1.accept(RealmExport(encoded: export1.encoded())!)
        let pending2 = try realm.members[2].makeOffer(entropy: realm.entropy())
        let offer2 = try #require(RealmExportOffer(encoded: pending2.offer.encoded()))
        let imported2 = try pending2.accept(try realm.members[1].export(imported1, to: offer2, entropy: realm.entropy()))
        let held = [generated, imported1, imported2]
        for secrets in held.dropFirst() {
            #expect(secrets.secrets.root == generated.secrets.root)
            #expect(secrets.secrets.oprfSeed == generated.secrets.oprfSeed)
            #expect(secrets.secrets.groupMACKey == generated.secrets.groupMACKey)
            #expect(secrets.secrets.recordSealingKey == generated.secrets.recordSealingKey)
            #expect(secrets.akePublicKey == generated.akePublicKey)
            #expect(secrets.draftHash == realm.draft.hash(engine: realm.engine))
        }
        #expect(generated.akePublicKey.count == 33)

        let manifests = try zip(realm.members, held).map { try $0.manifest(for: $1) }
        #expect(manifests.allSatisfy { $0 == manifests[0] })
        let manifest = try #require(RealmManifest(encoded: manifests[0].encoded()))
        #expect(manifest == manifests[0])
        let signatures = try zip(realm.members, held).map { try $0.signManifest(manifest, holding: $1) }
        try manifest.verify(signatures: signatures, engine: realm.engine)

        // Each member keeps its secrets sealed under its own device key, and gets them back.
        for (device, secrets) in zip(realm.devices, held) {
            let blob = try RealmSealedSecrets.sealedSecrets(
                secrets, draft: realm.draft, deviceSealingKey: device.slotSealingKey, engine: realm.engine)
            #expect(blob.count == RealmSealedSecrets.sealedLength)
            let opened = try RealmSealedSecrets.openSecrets(
                blob, draft: realm.draft, deviceSealingKey: device.slotSealingKey, engine: realm.engine)
            #expect(opened.secrets.root == generated.secrets.root && opened.akePublicKey == generated.akePublicKey)
        }
    }

    @Test("the ceremony is reproducible from its seed, and different seeds give different realms")
    func seeded() throws {
        let first = try CeremonyFixture(seed: 0xCE2).runImports()
        let again = try CeremonyFixture(seed: 0xCE2).runImports()
        let other = try CeremonyFixture(seed: 0xCE3).runImports()
        #expect(first[0].secrets.root == again[0].secrets.root)
        #expect(first[0].akePublicKey == again[0].akePublicKey)
        #expect(first[0].akePublicKey != other[0].akePublicKey)
    }

    @Test("messages have their documented lengths and refuse other lengths")
    func codecs() throws {
        let realm = try CeremonyFixture(seed: 0xCE4)
        let secrets = try realm.members[0].generate(entropy: realm.entropy())
        let pending = try realm.members[1].makeOffer(entropy: realm.entropy())
        let export = try realm.members[0].export(secrets, to: pending.offer, entropy: realm.entropy())
        #expect(pending.offer.encoded().count == 130 && RealmExportOffer.encodedLength == 130)
        #expect(export.encoded().count == 204 && RealmExport.encodedLength == 204)
        #expect(realm.draft.encoded().count == 21 + 37 + 3 * 33 + 64)
        #expect(RealmDraft(encoded: realm.draft.encoded()) == realm.draft)
        let manifest = try realm.members[0].manifest(for: secrets)
        #expect(manifest.encoded().count == realm.draft.encoded().count + 33)
        for bytes in [pending.offer.encoded(), export.encoded(), realm.draft.encoded(), manifest.encoded()] {
            let short = Array(bytes.dropLast()), long = bytes + [0]
            #expect(RealmExportOffer(encoded: short) == nil && RealmExportOffer(encoded: long) == nil)
            #expect(RealmExport(encoded: short) == nil && RealmExport(encoded: long) == nil)
            #expect(RealmDraft(encoded: short) == nil && RealmDraft(encoded: long) == nil)
        }
        #expect(RealmManifest(encoded: manifest.encoded() + [0, 0]) == nil)
        #expect(RealmManifest(encoded: Array(manifest.encoded().dropLast(2))) == nil)
        // Unknown version, unknown flag bits, a suite no build knows, limits out of order.
        var draftBytes = realm.draft.encoded()
        for (index, value) in [(0, UInt8(2)), (18, UInt8(0x02)), (17, UInt8(0x7F)), (19, UInt8(11))] {
            let original = draftBytes[index]
            draftBytes[index] = value
            #expect(RealmDraft(encoded: draftBytes) == nil, "byte \(index)")
            draftBytes[index] = original
        }
        // Every field of the draft is in its hash.
        let hash = realm.draft.hash(engine: realm.engine)
        for index in [1, 17, 18, 19, 20, 40, 60, draftBytes.count - 1] {
            let edited = flipped(draftBytes, at: index)
            if let other = RealmDraft(encoded: edited) { #expect(other.hash(engine: realm.engine) != hash) }
        }
    }

    /// The documented derivations (docs/PROTOCOL.md, "Realm ceremony"), recomputed here from the entropy
    /// both sides drew: root, ephemeral keys, KEK over the export's first 100 bytes, and the RFC 5649 wrap.
    @Test("an export follows the documented derivations: a third party with the entropy recomputes the root")
    func exportDerivations() throws {
        let realm = try CeremonyFixture(seed: 0xCEF)
        let engine = realm.engine
        let hash = realm.draft.hash(engine: engine)
        let rootEntropy = realm.entropy(), offerEntropy = realm.entropy(), exportEntropy = realm.entropy()
        let secrets = try realm.members[0].generate(entropy: rootEntropy)
        let root = engine.hkdf(
            ikm: rootEntropy, salt: realm.draft.realmID, info: Array("coffer/realm/v1/root".utf8) + hash, length: 32)
        #expect(secrets.secrets.root.bytes == root)
        let pending = try realm.members[1].makeOffer(entropy: offerEntropy)
        let export = try realm.members[0].export(secrets, to: pending.offer, entropy: exportEntropy)
        // Counter 0 gives a valid scalar for these seeds (a retry has probability about 2^-32).
        func ephemeral(_ entropy: [UInt8]) -> [UInt8] {
            engine.hkdf(ikm: entropy, salt: Array("coffer/realm/v1/ephemeral-key".utf8), info: [0], length: 32)
        }
        #expect(pending.offer.ephemeralPublicKey == (try engine.ecdsaPublicKey(privateKey: ephemeral(offerEntropy))))
        #expect(export.exporterEphemeralKey == (try engine.ecdsaPublicKey(privateKey: ephemeral(exportEntropy))))
        let shared = try engine.ecdhP256(privateKey: ephemeral(offerEntropy), peerPublicKey: export.exporterEphemeralKey)
        let bytes = export.encoded()
        let kek = engine.hkdf(
            ikm: shared, salt: realm.draft.realmID, info: Array("coffer/realm/v1/export".utf8) + bytes[0..<100],
            length: 32)
        #expect(try engine.aesKeyUnwrapPadded(kek: kek, wrapped: Array(bytes[100..<140])) == root)
        #expect(engine.ecdsaVerify(
            publicKey: realm.draft.group.members[0],
            message: Array("coffer/realm/v1/export-wrapped".utf8) + bytes[0..<140], signature: Array(bytes[140...])))
        #expect(engine.ecdsaVerify(
            publicKey: realm.draft.group.members[1],
            message: Array("coffer/realm/v1/export-offer".utf8) + pending.offer.encoded()[0..<66],
            signature: Array(pending.offer.encoded()[66...])))
        let imported = try pending.accept(export)
        #expect(imported.secrets.root.bytes == root)
    }

    @Test("a device joins only drafts of its suite that list it, and a test-only device only test realms")
    func joining() throws {
        let realm = try CeremonyFixture(seed: 0xCE5)
        let outsider = realm.devices[3]
        #expect(throws: RealmCeremonyError.notAMember) {
            try RealmCeremony(
                engine: realm.engine, draft: realm.draft, identityPrivateKey: outsider.identityPrivateKey,
                deviceIsTestOnly: true)
        }
        let keys = realm.draft.group.members
        let production = try CeremonyFixture.draft(realmID: realm.draft.realmID, keys: keys, isTestRealm: false)
        #expect(throws: RealmCeremonyError.testDeviceInProductionRealm) {
            try RealmCeremony(
                engine: realm.engine, draft: production, identityPrivateKey: realm.devices[0].identityPrivateKey,
                deviceIsTestOnly: true)
        }
        _ = try RealmCeremony(
            engine: realm.engine, draft: production, identityPrivateKey: realm.devices[0].identityPrivateKey,
            deviceIsTestOnly: false)
        let ristretto = try CeremonyFixture.draft(realmID: realm.draft.realmID, keys: keys, suite: .ristretto255SHA512)
        #expect(throws: RealmCeremonyError.suiteMismatch) {
            try RealmCeremony(
                engine: realm.engine, draft: ristretto, identityPrivateKey: realm.devices[0].identityPrivateKey,
                deviceIsTestOnly: true)
        }
        #expect(throws: RealmCeremonyError.invalidEntropy) { try realm.members[0].generate(entropy: [1, 2, 3]) }
        #expect(throws: RealmCeremonyError.invalidEntropy) { _ = try realm.members[1].makeOffer(entropy: []) }
    }

    // MARK: - Offers

    @Test("an offer signed by a key not in the draft is refused, even naming a member's id")
    func offerByOutsider() throws {
        let realm = try CeremonyFixture(seed: 0xCE6)
        let secrets = try realm.members[0].generate(entropy: realm.entropy())
        let outsider = realm.devices[3]
        // The outsider takes member 1's id and signs a well-formed offer with its own identity key.
        let ephemeral = try realm.engine.ecdsaPublicKey(privateKey: realm.entropy())
        let hash = realm.draft.hash(engine: realm.engine)
        let signature = try realm.engine.ecdsaSign(
            privateKey: outsider.identityPrivateKey.bytes,
            message: RealmExportOffer.signedBytes(draftHash: hash, importerID: 1, ephemeralPublicKey: ephemeral))
        let forged = try #require(RealmExportOffer(encoded: hash + [1] + ephemeral + signature))
        #expect(throws: RealmCeremonyError.badOfferSignature) {
            try realm.members[0].export(secrets, to: forged, entropy: realm.entropy())
        }
        // A genuine offer with its ephemeral key replaced (a relay's swap) is refused the same way.
        let genuine = try realm.members[1].makeOffer(entropy: realm.entropy()).offer
        let swapped = try #require(
            RealmExportOffer(encoded: genuine.draftHash + [1] + ephemeral + genuine.signature))
        #expect(throws: RealmCeremonyError.badOfferSignature) {
            try realm.members[0].export(secrets, to: swapped, entropy: realm.entropy())
        }
        // Member 2's genuine offer relabelled as member 1's.
        let offer2 = try realm.members[2].makeOffer(entropy: realm.entropy()).offer
        var bytes = offer2.encoded()
        bytes[32] = 1
        #expect(throws: RealmCeremonyError.badOfferSignature) {
            try realm.members[0].export(secrets, to: RealmExportOffer(encoded: bytes)!, entropy: realm.entropy())
        }
    }

    @Test("offers for another draft, from no member, or from the exporter itself are refused")
    func offerMisaddressed() throws {
        let realm = try CeremonyFixture(seed: 0xCE7)
        let secrets = try realm.members[0].generate(entropy: realm.entropy())
        let other = try CeremonyFixture.draft(
            realmID: realm.draft.realmID, keys: realm.draft.group.members, defaultAttemptLimit: 9)
        let otherOffer = try realm.ceremonies(under: other)[1].makeOffer(entropy: realm.entropy()).offer
        #expect(throws: RealmCeremonyError.offerForAnotherDraft) {
            try realm.members[0].export(secrets, to: otherOffer, entropy: realm.entropy())
        }
        var bytes = try realm.members[1].makeOffer(entropy: realm.entropy()).offer.encoded()
        bytes[32] = 3
        #expect(throws: RealmCeremonyError.offerFromUnknownMember) {
            try realm.members[0].export(secrets, to: RealmExportOffer(encoded: bytes)!, entropy: realm.entropy())
        }
        let own = try realm.members[0].makeOffer(entropy: realm.entropy()).offer
        #expect(throws: RealmCeremonyError.offerFromSelf) {
            try realm.members[0].export(secrets, to: own, entropy: realm.entropy())
        }
        // Secrets held for another draft are not exported under this one.
        let otherSecrets = try realm.ceremonies(under: other)[0].generate(entropy: realm.entropy())
        let offer = try realm.members[1].makeOffer(entropy: realm.entropy()).offer
        #expect(throws: RealmCeremonyError.secretsOfAnotherDraft) {
            try realm.members[0].export(otherSecrets, to: offer, entropy: realm.entropy())
        }
    }

    // MARK: - Exports

    @Test("an export replayed to another importer is refused, however its addressing is rewritten")
    func exportReplayedToAnotherImporter() throws {
        let realm = try CeremonyFixture(seed: 0xCE8)
        let secrets = try realm.members[0].generate(entropy: realm.entropy())
        let offer1 = try realm.members[1].makeOffer(entropy: realm.entropy()).offer
        let export = try realm.members[0].export(secrets, to: offer1, entropy: realm.entropy())
        // As sent to member 1.
        #expect(throws: RealmCeremonyError.exportForAnotherMember) {
            try realm.members[2].makeOffer(entropy: realm.entropy()).accept(export)
        }
        // Addressed to member 2 by rewriting the importer id.
        var bytes = export.encoded()
        bytes[33] = 2
        #expect(throws: RealmCeremonyError.exportForAnotherOffer) {
            try realm.members[2].makeOffer(entropy: realm.entropy()).accept(RealmExport(encoded: bytes)!)
        }
        // And the importer's ephemeral key rewritten to member 2's own offer's.
        let pending2 = try realm.members[2].makeOffer(entropy: realm.entropy())
        bytes.replaceSubrange(34..<67, with: pending2.offer.ephemeralPublicKey)
        #expect(refusal(pending2, RealmExport(encoded: bytes)!) == .badExportSignature)
    }

    @Test("an export with a changed wrapped key or a swapped ephemeral key is refused")
    func exportTampered() throws {
        let realm = try CeremonyFixture(seed: 0xCE9)
        let secrets = try realm.members[0].generate(entropy: realm.entropy())
        let attacker = try realm.engine.ecdsaPublicKey(privateKey: realm.entropy())
        func attempt(_ edit: (inout [UInt8]) -> Void) throws -> RealmCeremonyError? {
            let pending = try realm.members[1].makeOffer(entropy: realm.entropy())
            var bytes = try realm.members[0].export(secrets, to: pending.offer, entropy: realm.entropy()).encoded()
            edit(&bytes)
            do {
                _ = try pending.accept(RealmExport(encoded: bytes)!)
                return nil
            } catch {
                return error
            }
        }
        #expect(try attempt { _ in } == nil)  // the control
        for index in [100, 120, 139] {  // wrapped root bytes
            #expect(try attempt { $0[index] ^= 0x40 } == .badExportSignature)
        }
        #expect(try attempt { $0.replaceSubrange(67..<100, with: attacker) } == .badExportSignature)
        #expect(try attempt { $0.replaceSubrange(34..<67, with: attacker) } == .exportForAnotherOffer)
        #expect(try attempt { $0[32] = 2 } == .badExportSignature)  // another member's id as exporter
        #expect(try attempt { $0[32] = 1 } == .exportFromUnknownMember)  // the importer itself
        #expect(try attempt { $0[32] = 7 } == .exportFromUnknownMember)
        #expect(try attempt { $0[150] ^= 1 } == .badExportSignature)  // the signature
    }

    @Test("a member of the draft that signs a bad wrapped key or a bad ephemeral key gets no import through")
    func exportByFaultyMember() throws {
        let realm = try CeremonyFixture(seed: 0xCEA)
        let secrets = try realm.members[0].generate(entropy: realm.entropy())
        let exporterKey = realm.devices[0].identityPrivateKey.bytes
        func resigned(_ export: RealmExport, _ edit: (inout [UInt8]) -> Void) throws -> RealmExport {
            var bytes = Array(export.encoded().prefix(RealmExport.encodedLength - 64))
            edit(&bytes)
            let unsigned = try #require(RealmExport(encoded: bytes + [UInt8](repeating: 0, count: 64)))
            return try #require(
                RealmExport(encoded: bytes + realm.engine.ecdsaSign(privateKey: exporterKey, message: unsigned.signedBytes)))
        }
        // The wrapped root changed after wrapping: the KWP integrity check refuses it.
        var pending = try realm.members[1].makeOffer(entropy: realm.entropy())
        var export = try realm.members[0].export(secrets, to: pending.offer, entropy: realm.entropy())
        #expect(refusal(pending, try resigned(export) { $0[110] ^= 1 }) == .unwrapFailed)
        // An exporter ephemeral key off the curve (x = 1).
        pending = try realm.members[1].makeOffer(entropy: realm.entropy())
        export = try realm.members[0].export(secrets, to: pending.offer, entropy: realm.entropy())
        let offCurve = [0x02] + [UInt8](repeating: 0, count: 31) + [1]
        #expect(refusal(pending, try resigned(export) { $0.replaceSubrange(67..<100, with: offCurve) }) == .badExportKey)
        // A well-formed ephemeral key other than the one the root was wrapped for: the KEK differs.
        pending = try realm.members[1].makeOffer(entropy: realm.entropy())
        export = try realm.members[0].export(secrets, to: pending.offer, entropy: realm.entropy())
        let other = try realm.engine.ecdsaPublicKey(privateKey: realm.entropy())
        #expect(refusal(pending, try resigned(export) { $0.replaceSubrange(67..<100, with: other) }) == .unwrapFailed)
        // An importer whose offer carries an off-curve key gets no export (its signature is genuine).
        let importerKey = realm.devices[1].identityPrivateKey.bytes
        let hash = realm.draft.hash(engine: realm.engine)
        let badOffer = try #require(
            RealmExportOffer(
                encoded: hash + [1] + offCurve
                    + realm.engine.ecdsaSign(
                        privateKey: importerKey,
                        message: RealmExportOffer.signedBytes(draftHash: hash, importerID: 1, ephemeralPublicKey: offCurve))))
        #expect(throws: RealmCeremonyError.badOfferKey) {
            try realm.members[0].export(secrets, to: badOffer, entropy: realm.entropy())
        }
    }

    @Test("an export made under another draft is refused by an import of this draft")
    func exportUnderAnotherDraft() throws {
        let realm = try CeremonyFixture(seed: 0xCEB)
        let other = try CeremonyFixture.draft(
            realmID: realm.draft.realmID, keys: realm.draft.group.members, defaultAttemptLimit: 9)
        let otherMembers = try realm.ceremonies(under: other)
        let otherSecrets = try otherMembers[0].generate(entropy: realm.entropy())
        // Member 1 has an import of this draft open, and (tricked by its agent) an offer under the other.
        let pending = try realm.members[1].makeOffer(entropy: realm.entropy())
        let otherOffer = try otherMembers[1].makeOffer(entropy: realm.entropy()).offer
        let otherExport = try otherMembers[0].export(otherSecrets, to: otherOffer, entropy: realm.entropy())
        #expect(refusal(pending, otherExport) == .exportForAnotherDraft)
        // Relabelled with this draft's hash: the signature covers the hash.
        var bytes = otherExport.encoded()
        bytes.replaceSubrange(0..<32, with: realm.draft.hash(engine: realm.engine))
        let pending2 = try realm.members[1].makeOffer(entropy: realm.entropy())
        bytes.replaceSubrange(34..<67, with: pending2.offer.ephemeralPublicKey)
        #expect(refusal(pending2, RealmExport(encoded: bytes)!) == .badExportSignature)
    }

    // MARK: - The manifest

    @Test("a member refuses to sign a manifest with another AKE key or of another draft")
    func manifestRefusals() throws {
        let realm = try CeremonyFixture(seed: 0xCEC)
        let held = try realm.runImports()
        let manifest = try realm.members[0].manifest(for: held[0])
        // Another realm's AKE key (another root under this very draft).
        let rogue = try realm.members[0].generate(entropy: realm.entropy())
        #expect(rogue.akePublicKey != held[0].akePublicKey)
        let rogueManifest = RealmManifest(draft: realm.draft, akePublicKey: rogue.akePublicKey)
        for (member, secrets) in zip(realm.members, held) {
            #expect(throws: RealmCeremonyError.manifestAKEKeyMismatch) {
                try member.signManifest(rogueManifest, holding: secrets)
            }
        }
        let other = try CeremonyFixture.draft(
            realmID: realm.draft.realmID, keys: realm.draft.group.members, defaultAttemptLimit: 9)
        let otherManifest = RealmManifest(draft: other, akePublicKey: held[0].akePublicKey)
        #expect(throws: RealmCeremonyError.manifestForAnotherDraft) {
            try realm.members[1].signManifest(otherManifest, holding: held[1])
        }
        // Secrets of another draft sign nothing under this one, even with the AKE key they give.
        let otherSecrets = try realm.ceremonies(under: other)[2].generate(entropy: realm.entropy())
        let mixed = RealmManifest(draft: realm.draft, akePublicKey: otherSecrets.akePublicKey)
        #expect(throws: RealmCeremonyError.secretsOfAnotherDraft) {
            try realm.members[2].signManifest(mixed, holding: otherSecrets)
        }
        _ = try realm.members[2].signManifest(manifest, holding: held[2])
    }

    @Test("a manifest verifies only with every member's signature, each in its place")
    func manifestVerification() throws {
        let realm = try CeremonyFixture(seed: 0xCED)
        let held = try realm.runImports()
        let manifest = try realm.members[0].manifest(for: held[0])
        let signatures = try zip(realm.members, held).map { try $0.signManifest(manifest, holding: $1) }
        try manifest.verify(signatures: signatures, engine: realm.engine)
        #expect(throws: RealmCeremonyError.missingManifestSignature) {
            try manifest.verify(signatures: Array(signatures.prefix(2)), engine: realm.engine)
        }
        #expect(throws: RealmCeremonyError.unexpectedManifestSignature) {
            try manifest.verify(signatures: signatures + [signatures[0]], engine: realm.engine)
        }
        #expect(throws: RealmCeremonyError.badManifestSignature(memberID: 0)) {
            try manifest.verify(signatures: [signatures[1], signatures[0], signatures[2]], engine: realm.engine)
        }
        #expect(throws: RealmCeremonyError.badManifestSignature(memberID: 2)) {
            try manifest.verify(signatures: [signatures[0], signatures[1], signatures[1]], engine: realm.engine)
        }
        // A member's signature made by an outsider's key in its place.
        let outsider = try realm.engine.ecdsaSign(
            privateKey: realm.devices[3].identityPrivateKey.bytes, message: manifest.signedBytes)
        #expect(throws: RealmCeremonyError.badManifestSignature(memberID: 1)) {
            try manifest.verify(signatures: [signatures[0], outsider, signatures[2]], engine: realm.engine)
        }
        // The signatures do not carry over to a manifest with another AKE key.
        let rogue = RealmManifest(draft: realm.draft, akePublicKey: flipped(manifest.akePublicKey, at: 5))
        #expect(throws: RealmCeremonyError.badManifestSignature(memberID: 0)) {
            try rogue.verify(signatures: signatures, engine: realm.engine)
        }
    }

    // MARK: - Sealed secrets

    @Test("sealed secrets open only under the device key and for the draft they were sealed with")
    func sealedSecrets() throws {
        let realm = try CeremonyFixture(seed: 0xCEE)
        let held = try realm.runImports()
        let device = realm.devices[1]
        let blob = try RealmSealedSecrets.sealedSecrets(
            held[1], draft: realm.draft, deviceSealingKey: device.slotSealingKey, engine: realm.engine)
        #expect(throws: RealmCeremonyError.sealedSecretsRefused) {
            try RealmSealedSecrets.openSecrets(
                blob, draft: realm.draft, deviceSealingKey: realm.devices[2].slotSealingKey, engine: realm.engine)
        }
        let other = try CeremonyFixture.draft(
            realmID: realm.draft.realmID, keys: realm.draft.group.members, defaultAttemptLimit: 9)
        #expect(throws: RealmCeremonyError.sealedSecretsRefused) {
            try RealmSealedSecrets.openSecrets(
                blob, draft: other, deviceSealingKey: device.slotSealingKey, engine: realm.engine)
        }
        for index in [1, 12, 13, 44, blob.count - 1] {
            #expect(throws: RealmCeremonyError.sealedSecretsRefused) {
                try RealmSealedSecrets.openSecrets(
                    flipped(blob, at: index), draft: realm.draft, deviceSealingKey: device.slotSealingKey,
                    engine: realm.engine)
            }
        }
        for malformed in [Array(blob.dropLast()), blob + [0], flipped(blob, at: 0)] {
            #expect(throws: RealmCeremonyError.malformedMessage) {
                try RealmSealedSecrets.openSecrets(
                    malformed, draft: realm.draft, deviceSealingKey: device.slotSealingKey, engine: realm.engine)
            }
        }
        // Sealing is deterministic for one blob's contents, and different for another realm's root.
        #expect(
            try RealmSealedSecrets.sealedSecrets(
                held[1], draft: realm.draft, deviceSealingKey: device.slotSealingKey, engine: realm.engine) == blob)
        let rogue = try realm.members[1].generate(entropy: realm.entropy())
        let rogueBlob = try RealmSealedSecrets.sealedSecrets(
            rogue, draft: realm.draft, deviceSealingKey: device.slotSealingKey, engine: realm.engine)
        #expect(rogueBlob[1..<13] != blob[1..<13])
        #expect(throws: RealmCeremonyError.secretsOfAnotherDraft) {
            try RealmSealedSecrets.sealedSecrets(
                held[1], draft: other, deviceSealingKey: device.slotSealingKey, engine: realm.engine)
        }
    }
}
