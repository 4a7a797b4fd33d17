// The device's key schedule: every key is HKDF-SHA256 of the unique device secret (UDS) under its own
// label, so a flash image sealed under one UDS opens nothing under another, and no key is ever
// stored outside the chip.

import OPAQUE

/// HKDF labels of the key schedule (docs/PROTOCOL.md, "Keys"). Extend-only.
public enum KeyLabel {
    /// HKDF salt for every key derived from the UDS.
    public static let salt: [UInt8] = Array("coffer/v1/uds".utf8)
    /// AES-256-GCM key that seals slot copies and the store header (the hardware-bound wrapping key).
    public static let slotSealing: [UInt8] = Array("coffer/v1/slot-sealing-key".utf8)
    /// Key for the synthetic nonces of slot seals.
    public static let slotNonce: [UInt8] = Array("coffer/v1/slot-nonce-key".utf8)
    /// OPAQUE `oprf_seed` (RFC 9807 §6.2.1), `Nh` bytes.
    public static let oprfSeed: [UInt8] = Array("coffer/v1/oprf-seed".utf8)
    /// Seed for the OPAQUE server AKE key pair (through OPAQUE's DeriveDiffieHellmanKeyPair).
    public static let akeSeed: [UInt8] = Array("coffer/v1/ake-key-seed".utf8)
    /// ECDSA P-256 identity key; a counter byte follows the label (rejection sampling).
    public static let identity: [UInt8] = Array("coffer/v1/identity-key".utf8)
    /// Key from which fake records for unknown credential ids are derived (RFC 9807 §6.3.2.2).
    public static let fakeRecord: [UInt8] = Array("coffer/v1/fake-record-key".utf8)
    /// HKDF info prefix (the credential id follows) of one id's fake record, under `fakeRecord`'s key.
    public static let fakeRecordInfo: [UInt8] = Array("coffer/v1/fake-record".utf8)
}

/// Keys derived from the UDS at boot. They live only in RAM, in zeroizing buffers.
public struct DeviceKeys {
    /// Seals slot copies and the store header.
    public let slotSealingKey: SecretBytes
    /// Derives the nonce of each slot seal from what it seals.
    public let slotNonceKey: SecretBytes
    /// OPAQUE oprf_seed.
    public let oprfSeed: SecretBytes
    /// Seed of the OPAQUE AKE key pair (the pair itself is derived by `ServerIdentity`).
    public let akeSeed: SecretBytes
    /// Seeds fake records for unknown ids.
    public let fakeRecordKey: SecretBytes
    /// ECDSA P-256 private scalar of the device identity.
    public let identityPrivateKey: SecretBytes
    /// Its compressed SEC1 public key: the value a client pins.
    public let identityPublicKey: [UInt8]

    /// Derives every key from `uds` with the engine's HKDF-SHA256.
    public init<Engine: CryptoEngine>(uds: [UInt8], engine: Engine) throws(FirmwareError) {
        func derive(_ label: [UInt8], _ length: Int) -> SecretBytes {
            SecretBytes(engine.hkdf(ikm: uds, salt: KeyLabel.salt, info: label, length: length))
        }
        slotSealingKey = derive(KeyLabel.slotSealing, 32)
        slotNonceKey = derive(KeyLabel.slotNonce, 32)
        oprfSeed = derive(KeyLabel.oprfSeed, engine.suite.hashLength)
        akeSeed = derive(KeyLabel.akeSeed, 32)
        fakeRecordKey = derive(KeyLabel.fakeRecord, 32)
        // A 32-byte HKDF output is a valid P-256 scalar unless it is zero or not below the order
        // (probability about 2^-32); the next counter value is tried then.
        for counter in 0...UInt8.max {
            let candidate = derive(KeyLabel.identity + [counter], 32)
            if let publicKey = try? engine.ecdsaPublicKey(privateKey: candidate.bytes) {
                identityPrivateKey = candidate
                identityPublicKey = publicKey
                return
            }
        }
        throw .hal(.cryptoFailure)
    }
}
