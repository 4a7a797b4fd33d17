// Realm secrets at rest: the root sealed with AES-256-GCM under a key HKDF'd from a device key, with
// the draft hash in the AAD, so a blob opens only on the device that sealed it and only for its draft.
// Where the blob lives, and forgetting it on zeroize, are the integrating chip's business.
//
// The nonce is synthetic (an HMAC of the draft hash and the root under its own key): one device key
// seals many blobs over its life (a retried ceremony, several drafts), and a nonce repeated under one
// GCM key with another plaintext would leak both; a synthetic nonce repeats only for the same blob.

import OPAQUE

/// Seals and opens a member's realm secrets under its device key.
public enum RealmSealedSecrets {
    /// Version byte of the blob.
    public static let formatVersion: UInt8 = 1
    /// version (1) ‖ nonce (12) ‖ AES-256-GCM ciphertext of the root (32) ‖ tag (16).
    public static let sealedLength = 1 + 12 + RealmSecrets.rootLength + 16

    /// The blob holding `secrets`' root for `draft`, under `deviceSealingKey` (a key of this device's
    /// own schedule, e.g. `DeviceKeys.slotSealingKey`; it is only ever used through HKDF here).
    public static func sealedSecrets<Engine: CryptoEngine>(
        _ secrets: RealmMemberSecrets, draft: RealmDraft, deviceSealingKey: SecretBytes, engine: Engine
    ) throws(RealmCeremonyError) -> [UInt8] {
        let draftHash = draft.hash(engine: engine)
        guard engine.constantTimeEqual(secrets.draftHash, draftHash) else { throw .secretsOfAnotherDraft }
        let keys = Keys(deviceSealingKey: deviceSealingKey, engine: engine)
        let root = secrets.secrets.root
        let nonce = Array(engine.hmacSHA256(key: keys.nonce.bytes, message: draftHash + root.bytes).prefix(12))
        do {
            let sealed = try engine.sealAESGCM(
                key: keys.sealing.bytes, nonce: nonce, plaintext: root.bytes, aad: aad(draftHash))
            return [formatVersion] + nonce + sealed
        } catch {
            throw .cryptoFailure
        }
    }

    /// Opens a blob made by `sealedSecrets` for `draft` under `deviceSealingKey`, and derives the
    /// secrets again. Refuses a blob of another device, of another draft, or with any changed byte.
    public static func openSecrets<Engine: CryptoEngine>(
        _ blob: [UInt8], draft: RealmDraft, deviceSealingKey: SecretBytes, engine: Engine
    ) throws(RealmCeremonyError) -> RealmMemberSecrets {
        guard blob.count == sealedLength, blob[0] == formatVersion else { throw .malformedMessage }
        let draftHash = draft.hash(engine: engine)
        let keys = Keys(deviceSealingKey: deviceSealingKey, engine: engine)
        let root: SecretBytes
        do {
            root = SecretBytes(
                try engine.openAESGCM(
                    key: keys.sealing.bytes, nonce: Array(blob[1..<13]), sealed: Array(blob[13...]),
                    aad: aad(draftHash)))
        } catch {
            throw .sealedSecretsRefused
        }
        return try RealmMemberSecrets(root: root, draftHash: draftHash, engine: engine)
    }

    /// "coffer/realm/v1/sealed-secrets" ‖ version ‖ draft hash.
    static func aad(_ draftHash: [UInt8]) -> [UInt8] {
        RealmCeremonyLabel.sealedSecrets + [formatVersion] + draftHash
    }

    /// The two keys HKDF'd from the device key.
    struct Keys {
        let sealing: SecretBytes
        let nonce: SecretBytes

        init<Engine: CryptoEngine>(deviceSealingKey: SecretBytes, engine: Engine) {
            func derive(_ label: [UInt8]) -> SecretBytes {
                SecretBytes(
                    engine.hkdf(
                        ikm: deviceSealingKey.bytes, salt: RealmCeremonyLabel.sealedSecrets, info: label, length: 32))
            }
            sealing = derive(RealmCeremonyLabel.sealedSecretsKey)
            nonce = derive(RealmCeremonyLabel.sealedSecretsNonce)
        }
    }
}
