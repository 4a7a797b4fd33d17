// The store header: the store's geometry and the device's default attempt limit, authenticated
// under the slot sealing key (a GCM tag over the fields), so a header from another device or an
// edited one is refused instead of trusted.

import CofferProtocol
import OPAQUE

/// The first page of the store (docs/PROTOCOL.md, "Flash layout"): its geometry and the device's
/// attempt-limit policy.
public struct StoreHeader: Equatable {
    /// "CFST".
    static let magic: [UInt8] = [0x43, 0x46, 0x53, 0x54]
    /// Fields 12, nonce 12, tag 16.
    public static let size = 40

    public var slotCount: Int
    public var slotSize: Int
    public var defaultAttemptLimit: UInt8
    /// The most attempts a record may have; registrations asking for more are capped to it.
    public var maxAttemptLimit: UInt8

    public init(slotCount: Int, slotSize: Int, defaultAttemptLimit: UInt8, maxAttemptLimit: UInt8) {
        self.slotCount = slotCount
        self.slotSize = slotSize
        self.defaultAttemptLimit = defaultAttemptLimit
        self.maxAttemptLimit = maxAttemptLimit
    }

    private var fields: [UInt8] {
        var writer = ByteWriter()
        writer.write(bytes: StoreHeader.magic)
        writer.write(SlotCopy.formatVersion)
        writer.write(UInt8(0))
        writer.write(UInt16(slotCount))
        writer.write(UInt16(slotSize))
        writer.write(defaultAttemptLimit)
        writer.write(maxAttemptLimit)
        return writer.bytes
    }

    private static let label: [UInt8] = Array("coffer/v1/store-header".utf8)

    /// The header's bytes: fields, nonce, tag.
    func sealed<Engine: CryptoEngine>(engine: Engine, keys: StoreKeys) throws(HALError) -> [UInt8] {
        let aad = StoreHeader.label + fields
        let nonce = SlotCopy.nonce(engine: engine, nonceKey: keys.nonceKey, associatedData: aad, plaintext: [])
        let tag = try engine.sealAESGCM(key: keys.sealingKey.bytes, nonce: nonce, plaintext: [], aad: aad)
        return fields + nonce + tag
    }

    /// Reads and authenticates a header; nil when it is not this device's header.
    static func open<Engine: CryptoEngine>(_ bytes: [UInt8], engine: Engine, keys: StoreKeys) -> StoreHeader? {
        var reader = ByteReader(bytes)
        guard let head = try? reader.readBytes(6), head == magic + [SlotCopy.formatVersion, 0],
            let slotCount = try? reader.readUInt16(), let slotSize = try? reader.readUInt16(),
            let limit = try? reader.readUInt8(), VaultLimits.attemptLimitRange.contains(limit),
            let maxLimit = try? reader.readUInt8(), VaultLimits.attemptLimitRange.contains(maxLimit), limit <= maxLimit,
            let nonce = try? reader.readBytes(SlotCopy.nonceLength),
            let tag = try? reader.readBytes(SlotCopy.tagLength)
        else { return nil }
        let header = StoreHeader(
            slotCount: Int(slotCount), slotSize: Int(slotSize), defaultAttemptLimit: limit, maxAttemptLimit: maxLimit)
        let aad = label + header.fields
        guard (try? engine.openAESGCM(key: keys.sealingKey.bytes, nonce: nonce, sealed: tag, aad: aad)) != nil
        else { return nil }
        return header
    }
}
