// A realm record: what one leaf of the record tree holds, sealed (REALM.md "Records (safety)"). Each
// leaf version is sealed under its own key, derived from the realm's record-sealing key, the leaf's
// tree key and the log index that wrote it, so no two seals ever share a key and a fixed nonce is
// safe; a leaf moved to another key or index does not open.

import OPAQUE

/// One record id's state in the realm.
public enum RealmRecord: Equatable {
    /// A registered record.
    case live(RealmLiveRecord)
    /// Destroyed at its attempt limit: the id may register again; nothing else survives.
    case destroyed(credentialID: [UInt8])

    public var credentialID: [UInt8] {
        switch self {
        case .live(let record): record.credentialID
        case .destroyed(let id): id
        }
    }
}

/// A live record's fields.
public struct RealmLiveRecord: Equatable {
    public var credentialID: [UInt8]
    /// Logins allowed since the last success.
    public var attemptLimit: UInt8
    /// Logins started since the last success (committed before any KE2 left).
    public var attemptsUsed: UInt8
    /// The member-drawn nonce of the registration: with the id it names the record's OPRF key.
    public var registrationNonce: [UInt8]
    /// The client's OPAQUE RegistrationRecord.
    public var registrationRecord: [UInt8]
    /// The deposited backup key, nil until deposited.
    public var backupKey: SecretBytes?

    public init(
        credentialID: [UInt8], attemptLimit: UInt8, attemptsUsed: UInt8, registrationNonce: [UInt8],
        registrationRecord: [UInt8], backupKey: SecretBytes?
    ) {
        self.credentialID = credentialID
        self.attemptLimit = attemptLimit
        self.attemptsUsed = attemptsUsed
        self.registrationNonce = registrationNonce
        self.registrationRecord = registrationRecord
        self.backupKey = backupKey
    }
}

extension RealmRecord {
    /// HKDF info prefix of a leaf version's sealing key (tree key and index follow).
    static let sealingInfo: [UInt8] = Array("coffer/realm/v1/leaf".utf8)
    /// AES-GCM AAD prefix of a leaf (tree key and index follow).
    static let sealingAAD: [UInt8] = Array("coffer/realm/v1/leaf-aad".utf8)

    /// Plaintext: kind (1 live, 2 destroyed) ‖ id length ‖ id ‖ for live: limit ‖ used ‖ nonce(32) ‖
    /// key flag ‖ key(32 if flagged) ‖ record length (u16) ‖ record.
    func plaintext() -> [UInt8] {
        let id = credentialID
        switch self {
        case .destroyed:
            return [2, UInt8(id.count)] + id
        case .live(let record):
            var out: [UInt8] = [1, UInt8(id.count)] + id + [record.attemptLimit, record.attemptsUsed]
            out += record.registrationNonce
            if let key = record.backupKey {
                out.append(1)
                out += key.bytes
            } else {
                out.append(0)
            }
            let length = record.registrationRecord.count
            out += [UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
            return out + record.registrationRecord
        }
    }

    init?(plaintext bytes: [UInt8]) {
        var reader = RealmReader(bytes)
        guard let kind = reader.u8(), let idLength = reader.u8(), let id = reader.take(Int(idLength)) else { return nil }
        switch kind {
        case 2:
            guard reader.isAtEnd else { return nil }
            self = .destroyed(credentialID: id)
        case 1:
            guard let limit = reader.u8(), let used = reader.u8(), let nonce = reader.take(VaultRecord.nonceLength),
                let flag = reader.u8(), flag <= 1
            else { return nil }
            var key: SecretBytes?
            if flag == 1 {
                guard let bytes = reader.take(32) else { return nil }
                key = SecretBytes(bytes)
            }
            guard let length = reader.u16(), let record = reader.take(Int(length)), reader.isAtEnd else { return nil }
            self = .live(
                RealmLiveRecord(
                    credentialID: id, attemptLimit: limit, attemptsUsed: used, registrationNonce: nonce,
                    registrationRecord: record, backupKey: key))
        default:
            return nil
        }
    }

    /// The sealed leaf for tree key `key` written by the entry at `index`: index (u64) ‖ AES-256-GCM.
    func sealed<Engine: CryptoEngine>(
        key: [UInt8], index: UInt64, secrets: RealmSecrets, engine: Engine
    ) throws(HALError) -> [UInt8] {
        let sealingKey = engine.hkdf(
            ikm: secrets.recordSealingKey.bytes, salt: [], info: RealmRecord.sealingInfo + key + bigEndian(index),
            length: 32)
        let sealed = try engine.sealAESGCM(
            key: sealingKey, nonce: [UInt8](repeating: 0, count: 12), plaintext: plaintext(),
            aad: RealmRecord.sealingAAD + key + bigEndian(index))
        return bigEndian(index) + sealed
    }

    /// Opens a sealed leaf of tree key `key`; nil when it was sealed for another key, altered, or
    /// is not a record.
    static func open<Engine: CryptoEngine>(
        _ leaf: [UInt8], key: [UInt8], secrets: RealmSecrets, engine: Engine
    ) -> (record: RealmRecord, index: UInt64)? {
        var reader = RealmReader(leaf)
        guard let index = reader.u64(), let sealed = reader.take(reader.remaining) else { return nil }
        let sealingKey = engine.hkdf(
            ikm: secrets.recordSealingKey.bytes, salt: [], info: RealmRecord.sealingInfo + key + bigEndian(index),
            length: 32)
        guard
            let plaintext = try? engine.openAESGCM(
                key: sealingKey, nonce: [UInt8](repeating: 0, count: 12), sealed: sealed,
                aad: RealmRecord.sealingAAD + key + bigEndian(index)),
            let record = RealmRecord(plaintext: plaintext)
        else { return nil }
        return (record, index)
    }
}
