// HMAC-SHA256 (RFC 2104) and HKDF-SHA256 (RFC 5869) over PureSHA256.

/// HMAC-SHA256.
public struct PureHMACSHA256: Sendable {
    /// Tag length in bytes.
    public static let tagLength = 32

    private var inner: PureSHA256
    private var outer: PureSHA256

    /// A MAC keyed with `key` (longer than a block: hashed first).
    public init(key: [UInt8]) {
        var block = key.count > PureSHA256.blockLength ? PureSHA256.hash(key) : key
        block += [UInt8](repeating: 0, count: PureSHA256.blockLength - block.count)
        var innerPad = block, outerPad = block
        for i in 0..<block.count {
            innerPad[i] ^= 0x36
            outerPad[i] ^= 0x5c
        }
        inner = PureSHA256()
        inner.update(innerPad)
        outer = PureSHA256()
        outer.update(outerPad)
        wipe(&block)
        wipe(&innerPad)
        wipe(&outerPad)
    }

    /// Feeds message bytes.
    public mutating func update(_ bytes: [UInt8]) { inner.update(bytes) }

    /// The tag of everything fed so far.
    public mutating func finalize() -> [UInt8] {
        outer.update(inner.finalize())
        return outer.finalize()
    }

    /// The tag of `message` under `key`.
    public static func authenticationCode(for message: [UInt8], key: [UInt8]) -> [UInt8] {
        var mac = PureHMACSHA256(key: key)
        mac.update(message)
        return mac.finalize()
    }
}

/// HKDF-SHA256 (RFC 5869).
public enum PureHKDFSHA256 {
    /// The most bytes one expansion can produce (255 blocks).
    public static let maximumOutputLength = 255 * PureSHA256.outputLength

    /// HKDF-Extract; an empty salt stands for 32 zero bytes.
    public static func extract(salt: [UInt8], ikm: [UInt8]) -> [UInt8] {
        PureHMACSHA256.authenticationCode(
            for: ikm, key: salt.isEmpty ? [UInt8](repeating: 0, count: PureSHA256.outputLength) : salt)
    }

    /// HKDF-Expand; nil when `length` is outside 0...8160 or the PRK is shorter than the hash.
    public static func expand(prk: [UInt8], info: [UInt8], length: Int) -> [UInt8]? {
        guard prk.count >= PureSHA256.outputLength, length >= 0, length <= maximumOutputLength else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(length + PureSHA256.outputLength)
        var previous: [UInt8] = []
        var counter: UInt8 = 1
        while output.count < length {
            var mac = PureHMACSHA256(key: prk)
            mac.update(previous)
            mac.update(info)
            mac.update([counter])
            previous = mac.finalize()
            output += previous
            counter &+= 1
        }
        return Array(output[0..<length])
    }

    /// Extract then expand.
    public static func deriveKey(ikm: [UInt8], salt: [UInt8], info: [UInt8], length: Int) -> [UInt8]? {
        expand(prk: extract(salt: salt, ikm: ikm), info: info, length: length)
    }
}
