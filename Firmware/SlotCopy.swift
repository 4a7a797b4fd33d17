// One physical copy of a slot on flash: a small clear header (magic, format, version, nonce) and the
// AES-256-GCM seal of the slot's padded content. The seal's associated data binds the copy to its
// slot index, its version and the format, so a copy moved to another slot, replayed at another
// version or read by a newer format does not open.

import CofferProtocol
import OPAQUE

/// The byte layout and sealing of a slot copy (docs/PROTOCOL.md, "Flash layout").
public enum SlotCopy {
    /// Format version of slot copies and the store header.
    public static let formatVersion: UInt8 = 1
    /// "CS": marks a programmed slot copy.
    static let magic: [UInt8] = [0x43, 0x53]
    /// Clear header: magic 2, format 1, reserved 1, version 4, nonce 12, sealed length 2.
    public static let headerSize = 22
    static let nonceLength = 12
    static let tagLength = 16
    /// Smallest slot copy that holds a record with the longest id.
    public static let minimumSize = 512

    /// Bytes of padded content a copy of `slotSize` bytes carries.
    public static func plaintextLength(slotSize: Int) -> Int { slotSize - headerSize - tagLength }

    /// The associated data of a slot seal: label, format, slot index, version.
    static func associatedData(slot: Int, version: UInt32) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(bytes: Array("coffer/v1/slot".utf8))
        writer.write(formatVersion)
        writer.write(UInt16(slot))
        writer.write(version)
        return writer.bytes
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
        let aad = associatedData(slot: slot, version: version)
        let nonce = nonce(engine: engine, nonceKey: keys.nonceKey, associatedData: aad, plaintext: plaintext)
        let sealed = try engine.sealAESGCM(key: keys.sealingKey.bytes, nonce: nonce, plaintext: plaintext, aad: aad)
        var writer = ByteWriter()
        writer.write(bytes: magic)
        writer.write(formatVersion)
        writer.write(UInt8(0))
        writer.write(version)
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
            let nonce = try? reader.readBytes(nonceLength),
            let sealed = try? reader.readLongField(allowed: expectedSealed...expectedSealed)
        else { return nil }
        let aad = associatedData(slot: slot, version: version)
        guard
            let plaintext = try? engine.openAESGCM(
                key: keys.sealingKey.bytes, nonce: nonce, sealed: sealed, aad: aad)
        else { return nil }
        return try? SlotContent(decoding: plaintext)
    }
}

/// The two keys the store seals with, split from `DeviceKeys` so the store holds nothing else.
public struct StoreKeys {
    public let sealingKey: SecretBytes
    public let nonceKey: SecretBytes

    public init(sealingKey: SecretBytes, nonceKey: SecretBytes) {
        self.sealingKey = sealingKey
        self.nonceKey = nonceKey
    }

    public init(_ keys: DeviceKeys) {
        self.init(sealingKey: keys.slotSealingKey, nonceKey: keys.slotNonceKey)
    }
}
