// The ceremony's steps on the chip (REALM.md "Ceremony"; commands in RealmCeremonyLink.swift). Each
// step builds this chip's `RealmCeremony` for the draft it is given, so every check of the draft
// (suite, test realm, this chip's identity key among the members) runs at every step. The realm root
// leaves the chip only wrapped for a member of the draft, or sealed under this chip's own key.

import CofferProtocol
import OPAQUE

extension RealmMember {
    /// Serves one ceremony command's bytes.
    func handleCeremony(command: UInt8, payload: [UInt8]) -> [UInt8] {
        let request: RealmCeremonyRequest
        do {
            request = try RealmCeremonyRequest(command: command, payload: payload)
        } catch {
            return RealmCeremonyReply.failure(status: RealmLinkStatus.code(error)).encoded()
        }
        do throws(RealmCeremonyError) {
            return try serveCeremony(request).encoded()
        } catch {
            return RealmCeremonyReply.failure(status: error.wireCode).encoded()
        }
    }

    func serveCeremony(_ request: RealmCeremonyRequest) throws(RealmCeremonyError) -> RealmCeremonyReply {
        switch request {
        case .checkDraft(let draft):
            let ceremony = try ceremony(for: draft)
            return .checkDraft(memberID: ceremony.memberID, draftHash: ceremony.draftHash)
        case .generate(let draft):
            if let refusal = refusalToTakeSecrets() { return refusal }
            let ceremony = try ceremony(for: draft)
            let secrets = try ceremony.generate(entropy: board.entropy.randomBytes(RealmCeremony<B.Engine>.entropyLength))
            return .secrets(sealed: try seal(secrets, draft: draft), manifest: try ceremony.manifest(for: secrets))
        case .offer(let draft):
            if let refusal = refusalToTakeSecrets() { return refusal }
            let ceremony = try ceremony(for: draft)
            let pending = try ceremony.makeOffer(entropy: board.entropy.randomBytes(RealmCeremony<B.Engine>.entropyLength))
            let offer = pending.offer
            pendingImport = .some(pending)
            return .offer(offer)
        case .export(let draft, let sealed, let offer):
            let ceremony = try ceremony(for: draft)
            let secrets = try open(sealed, draft: draft)
            return .export(
                try ceremony.export(
                    secrets, to: offer, entropy: board.entropy.randomBytes(RealmCeremony<B.Engine>.entropyLength)))
        case .importSecrets(let export):
            if let refusal = refusalToTakeSecrets() { return refusal }
            guard let pending = pendingImport.take() else { throw .noPendingImport }
            let ceremony = pending.ceremony
            let secrets = try pending.accept(export)
            return .secrets(
                sealed: try seal(secrets, draft: ceremony.draft), manifest: try ceremony.manifest(for: secrets))
        case .signManifest(let manifest, let sealed):
            let ceremony = try ceremony(for: manifest.draft)
            let secrets = try open(sealed, draft: manifest.draft)
            return .signature(try ceremony.signManifest(manifest, holding: secrets))
        case .join(let manifest, let sealed, let signatures):
            if let refusal = refusalToTakeSecrets() { return refusal }
            let draft = manifest.draft
            _ = try ceremony(for: draft)
            let secrets = try open(sealed, draft: draft)
            guard board.engine.constantTimeEqual(secrets.akePublicKey, manifest.akePublicKey) else {
                throw .manifestAKEKeyMismatch
            }
            try manifest.verify(signatures: signatures, engine: board.engine)
            guard
                let policy = RealmPolicy(
                    defaultAttemptLimit: draft.defaultAttemptLimit, maxAttemptLimit: draft.maxAttemptLimit)
            else { throw .malformedMessage }
            do throws(RealmError) {
                try join(root: secrets.secrets.root.bytes, configuration: draft.group, policy: policy)
            } catch {
                return .failure(status: error.wireCode)
            }
            return .joined(memberID: memberID ?? 0)
        }
    }

    /// This chip's part in `draft`: an emulator or seeded chip takes part in test realms only.
    func ceremony(for draft: RealmDraft) throws(RealmCeremonyError) -> RealmCeremony<B.Engine> {
        try RealmCeremony(
            engine: board.engine, draft: draft, identityPrivateKey: keys.identityPrivateKey,
            deviceIsTestOnly: deviceKind != .hardware)
    }

    /// A member (or a chip whose membership page does not open) takes no new realm secret.
    func refusalToTakeSecrets() -> RealmCeremonyReply? {
        if isMembershipDamaged { return .failure(status: RealmError.membershipDamaged.wireCode) }
        if membership != nil { return .failure(status: RealmError.alreadyMember.wireCode) }
        return nil
    }

    func seal(_ secrets: RealmMemberSecrets, draft: RealmDraft) throws(RealmCeremonyError) -> [UInt8] {
        try RealmSealedSecrets.sealedSecrets(
            secrets, draft: draft, deviceSealingKey: keys.slotSealingKey, engine: board.engine)
    }

    func open(_ sealed: [UInt8], draft: RealmDraft) throws(RealmCeremonyError) -> RealmMemberSecrets {
        try RealmSealedSecrets.openSecrets(sealed, draft: draft, deviceSealingKey: keys.slotSealingKey, engine: board.engine)
    }
}
