// What one slot holds, before sealing: nothing, a live record, or the tombstone a destroyed record
// leaves. The encoding is padded to one fixed length so a sealed copy does not show which it is.

import CofferProtocol
import OPAQUE

/// A credential's record: its OPAQUE registration record, its attempt limit and base, and the backup
/// key once deposited.
public struct VaultRecord: Equatable {
    public var credentialID: [UInt8]
    /// Logins allowed since the last success (1...255).
    public var attemptLimit: UInt8
    /// The attempt counter's value at the last success (or at registration).
    public var attemptBase: UInt32
    /// The 32-byte backup key, nil until deposited.
    public var backupKey: SecretBytes?
    /// The client's OPAQUE RegistrationRecord (RFC 9807 §5.1.3).
    public var registrationRecord: [UInt8]
    /// The one-time value the device drew at this record's RegisterStart; with the id it names the
    /// record's own OPRF key, so no OPRF answer given before the registration, and no record made
    /// under another registration, is any use against this one.
    public var registrationNonce: [UInt8]

    public init(
        credentialID: [UInt8], attemptLimit: UInt8, attemptBase: UInt32, backupKey: SecretBytes?,
        registrationRecord: [UInt8],
        registrationNonce: [UInt8] = [UInt8](repeating: 0, count: VaultRecord.nonceLength)
    ) {
        self.credentialID = credentialID
        self.attemptLimit = attemptLimit
        self.attemptBase = attemptBase
        self.backupKey = backupKey
        self.registrationRecord = registrationRecord
        self.registrationNonce = registrationNonce
    }

    /// Bytes of a registration nonce.
    public static let nonceLength = 32

    /// Logins started since the last success, given the slot's attempt counter.
    public func attemptsUsed(counter: UInt32) -> UInt32 {
        counter >= attemptBase ? counter - attemptBase : UInt32.max
    }
}

/// The plaintext of a slot copy.
public enum SlotContent: Equatable {
    /// Free (deleted, or never used).
    case empty
    /// A live record.
    case record(VaultRecord)
    /// What remains of a record destroyed by its attempt limit: its id, no key material.
    case tombstone(credentialID: [UInt8])

    private enum Kind: UInt8 {
        case empty = 0
        case record = 1
        case tombstone = 2
    }

    /// Fixed bytes of a record's encoding besides its id and registration record.
    static let recordOverhead = 1 + 1 + 1 + 4 + 1 + VaultLimits.backupKeyLength + 2 + VaultRecord.nonceLength

    /// The longest registration record a slot with `plaintextLength` bytes of room can hold.
    static func maxRegistrationRecordLength(plaintextLength: Int) -> Int {
        plaintextLength - recordOverhead - VaultLimits.credentialIDMaxLength
    }

    /// The encoding, zero-padded to `length` bytes. A content that does not fit is a local bug
    /// (ids and records are checked against the slot's room before they are accepted).
    func encoded(length: Int) -> [UInt8] {
        var writer = ByteWriter()
        switch self {
        case .empty:
            writer.write(Kind.empty.rawValue)
        case .tombstone(let id):
            writer.write(Kind.tombstone.rawValue)
            writer.writeShortField(id)
        case .record(let record):
            writer.write(Kind.record.rawValue)
            writer.writeShortField(record.credentialID)
            writer.write(record.attemptLimit)
            writer.write(record.attemptBase)
            if let key = record.backupKey {
                writer.write(UInt8(1))
                writer.write(bytes: key.bytes)
            } else {
                writer.write(UInt8(0))
                writer.write(bytes: [UInt8](repeating: 0, count: VaultLimits.backupKeyLength))
            }
            writer.writeLongField(record.registrationRecord)
            writer.write(bytes: record.registrationNonce)
        }
        var bytes = writer.bytes
        precondition(bytes.count <= length, "slot content larger than its slot")
        bytes += [UInt8](repeating: 0, count: length - bytes.count)
        return bytes
    }

    /// Decodes an opened copy; throws for any layout it does not recognise.
    init(decoding bytes: [UInt8]) throws(ProtocolError) {
        var reader = ByteReader(bytes)
        guard let kind = Kind(rawValue: try reader.readUInt8()) else { throw .invalidValue }
        let ids = VaultLimits.credentialIDMinLength...VaultLimits.credentialIDMaxLength
        switch kind {
        case .empty:
            self = .empty
        case .tombstone:
            self = .tombstone(credentialID: try reader.readShortField(allowed: ids))
        case .record:
            let id = try reader.readShortField(allowed: ids)
            let limit = try reader.readUInt8()
            guard VaultLimits.attemptLimitRange.contains(limit) else { throw .invalidValue }
            let base = try reader.readUInt32()
            let hasKey = try reader.readUInt8()
            guard hasKey <= 1 else { throw .invalidValue }
            let key = try reader.readBytes(VaultLimits.backupKeyLength)
            let registrationRecord = try reader.readLongField(allowed: 1...bytes.count)
            let nonce = try reader.readBytes(VaultRecord.nonceLength)
            self = .record(
                VaultRecord(
                    credentialID: id, attemptLimit: limit, attemptBase: base,
                    backupKey: hasKey == 1 ? SecretBytes(key) : nil, registrationRecord: registrationRecord,
                    registrationNonce: nonce))
        }
        // The rest is padding and must be zero: anything else is not a copy this firmware wrote.
        guard reader.readRemaining().allSatisfy({ $0 == 0 }) else { throw .trailingBytes }
    }
}
