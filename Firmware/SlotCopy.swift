// One physical copy of a slot on flash: a small clear header (magic, format, version, lookup tag,
// nonce) and the AES-256-GCM seal of the slot's padded content. The seal's associated data binds the
// copy to its slot index, its version, the format and its lookup tag, so a copy moved to another
// slot, replayed at another version, read by another format or given another copy's tag does not
// open.
//
// The lookup tag is a keyed hash of the credential id the copy holds (a record or a tombstone), so
// the firmware can still tell whose a slot was when its copy no longer opens. An empty copy carries
// a keyed hash of its slot and version instead: as pseudorandom as an id's tag, so an empty copy
// still looks like a record or a tombstone on flash, and unique, so no two empty copies look alike.

import CofferProtocol
import OPAQUE

/// The byte layout and sealing of a slot copy (docs/PROTOCOL.md, "Flash layout").
public enum SlotCopy {
    /// Format version of slot copies and the store header (2: copies carry a lookup tag; 3: a copy's
    /// version is a value of the seal sequence, records carry their registration nonce, and the
    /// header carries the maximum attempt limit). Older formats are refused, never migrated.
    public static let formatVersion: UInt8 = 3
    /// "CS": marks a programmed slot copy.
    static let magic: [UInt8] = [0x43, 0x53]
    /// Clear header: magic 2, format 1, reserved 1, version 4, lookup tag 16, nonce 12, sealed length 2.
    public static let headerSize = 38
    /// Offset of the lookup tag in a copy.
    static let lookupTagOffset = 8
    /// Bytes of a lookup tag: 128 bits, so two ids' tags never collide in practice.
    public static let lookupTagLength = 16
    static let nonceLength = 12
    static let tagLength = 16
    /// Smallest slot copy that holds a record with the longest id.
    public static let minimumSize = 512

    /// Bytes of padded content a copy of `slotSize` bytes carries.
    public static func plaintextLength(slotSize: Int) -> Int { slotSize - headerSize - tagLength }

    /// The associated data of a slot seal: label, format, slot index, version, lookup tag.
    static func associatedData(slot: Int, version: UInt32, lookupTag: [UInt8]) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(bytes: Array("coffer/v1/slot".utf8))
        writer.write(formatVersion)
        writer.write(UInt16(slot))
        writer.write(version)
        writer.write(bytes: lookupTag)
        return writer.bytes
    }

    /// The lookup tag of the copies that hold `credentialID` (a record or a tombstone).
    public static func lookupTag<Engine: CryptoEngine>(
        of credentialID: [UInt8], engine: Engine, keys: StoreKeys
    ) -> [UInt8] {
        engine.hkdf(
            ikm: keys.lookupKey.bytes, salt: [], info: KeyLabel.slotLookupInfo + credentialID,
            length: lookupTagLength)
    }

    /// The lookup tag of the copy of `content` at `slot` and `version`.
    static func lookupTag<Engine: CryptoEngine>(
        for content: SlotContent, slot: Int, version: UInt32, engine: Engine, keys: StoreKeys
    ) -> [UInt8] {
        switch content {
        case .record(let record): return lookupTag(of: record.credentialID, engine: engine, keys: keys)
        case .tombstone(let id): return lookupTag(of: id, engine: engine, keys: keys)
        case .empty:
            var writer = ByteWriter()
            writer.write(bytes: KeyLabel.slotLookupEmptyInfo)
            writer.write(UInt16(slot))
            writer.write(version)
            return engine.hkdf(ikm: keys.lookupKey.bytes, salt: [], info: writer.bytes, length: lookupTagLength)
        }
    }

    /// The lookup tag a copy claims in the clear, whoever wrote it: nil unless the copy starts with
    /// this format's magic. It is not authenticated; it only says whose a damaged slot seems to be.
    static func claimedLookupTag(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= headerSize, Array(bytes[0..<4]) == magic + [formatVersion, 0] else { return nil }
        return Array(bytes[lookupTagOffset..<lookupTagOffset + lookupTagLength])
    }

    /// The version a copy claims in the clear, whoever wrote it: nil unless it starts with this
    /// format's magic. Not authenticated; it only says which half a damaged slot's claim comes from.
    public static func claimedVersion(_ bytes: [UInt8]) -> UInt32? {
        guard bytes.count >= headerSize, Array(bytes[0..<4]) == magic + [formatVersion, 0] else { return nil }
        return UInt32(bytes[4]) << 24 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 8 | UInt32(bytes[7])
    }

    /// A synthetic nonce: a keyed hash of where the copy goes and what it holds. A write that is
    /// cut off and retried at the same version with other content gets another nonce, with no
    /// dependence on the entropy source.
    static func nonce<Engine: CryptoEngine>(
        engine: Engine, nonceKey: SecretBytes, associatedData: [UInt8], plaintext: [UInt8]
    ) -> [UInt8] {
        engine.hkdf(ikm: nonceKey.bytes, salt: [], info: associatedData + plaintext, length: nonceLength)
    }

    /// Seals `content` as the copy of `slot` at `version`, `slotSize` bytes long.
    static func seal<Engine: CryptoEngine>(
        _ content: SlotContent, slot: Int, version: UInt32, slotSize: Int, engine: Engine, keys: StoreKeys
    ) throws(HALError) -> [UInt8] {
        let plaintext = content.encoded(length: plaintextLength(slotSize: slotSize))
        let tag = lookupTag(for: content, slot: slot, version: version, engine: engine, keys: keys)
        let aad = associatedData(slot: slot, version: version, lookupTag: tag)
        let nonce = nonce(engine: engine, nonceKey: keys.nonceKey, associatedData: aad, plaintext: plaintext)
        let sealed = try engine.sealAESGCM(key: keys.sealingKey.bytes, nonce: nonce, plaintext: plaintext, aad: aad)
        var writer = ByteWriter()
        writer.write(bytes: magic)
        writer.write(formatVersion)
        writer.write(UInt8(0))
        writer.write(version)
        writer.write(bytes: tag)
        writer.write(bytes: nonce)
        writer.writeLongField(sealed)
        var bytes = writer.bytes
        bytes += [UInt8](repeating: 0xFF, count: slotSize - bytes.count)
        return bytes
    }

    /// Opens the copy `bytes` read from `slot`, which must be the copy of `version`. Nil when the
    /// copy is not one: wrong magic, format, version or length, or a seal that does not open.
    static func open<Engine: CryptoEngine>(
        _ bytes: [UInt8], slot: Int, version: UInt32, engine: Engine, keys: StoreKeys
    ) -> SlotContent? {
        var reader = ByteReader(bytes)
        let expectedSealed = plaintextLength(slotSize: bytes.count) + tagLength
        guard let head = try? reader.readBytes(4), head == magic + [formatVersion, 0],
            let storedVersion = try? reader.readUInt32(), storedVersion == version,
            let tag = try? reader.readBytes(lookupTagLength),
            let nonce = try? reader.readBytes(nonceLength),
            let sealed = try? reader.readLongField(allowed: expectedSealed...expectedSealed)
        else { return nil }
        let aad = associatedData(slot: slot, version: version, lookupTag: tag)
        guard
            let plaintext = try? engine.openAESGCM(
                key: keys.sealingKey.bytes, nonce: nonce, sealed: sealed, aad: aad)
        else { return nil }
        return try? SlotContent(decoding: plaintext)
    }
}

/// The keys the store seals and tags with, split from `DeviceKeys` so the store holds nothing else.
public struct StoreKeys {
    public let sealingKey: SecretBytes
    public let nonceKey: SecretBytes
    /// Keys the lookup tags of slot copies.
    public let lookupKey: SecretBytes

    public init(sealingKey: SecretBytes, nonceKey: SecretBytes, lookupKey: SecretBytes) {
        self.sealingKey = sealingKey
        self.nonceKey = nonceKey
        self.lookupKey = lookupKey
    }

    public init(_ keys: DeviceKeys) {
        self.init(sealingKey: keys.slotSealingKey, nonceKey: keys.slotNonceKey, lookupKey: keys.slotLookupKey)
    }
}
