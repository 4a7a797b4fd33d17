// AES-256-GCM (NIST SP 800-38D) with 12-byte nonces and 16-byte tags.
//
// GHASH multiplies in GF(2^128) bit by bit (SP 800-38D algorithm 1): every one of the 128 steps
// XORs in V under a mask made from the bit of X and folds the reduction polynomial in under a mask
// made from V's low bit. No table of multiples of H (the usual 4-bit tables are indexed by secret
// data) and no branch on H or on the data.

/// AES-256-GCM sealing and opening.
public enum PureAESGCM {
    /// Nonce length in bytes.
    public static let nonceLength = 12
    /// Tag length in bytes.
    public static let tagLength = 16

    /// Why a seal or open was refused.
    public enum Failure: Error, Equatable, Sendable {
        /// A key, nonce or sealed box of the wrong length.
        case invalidLength
        /// The tag did not verify.
        case authenticationFailure
    }

    /// Encrypts and authenticates; returns ciphertext || tag.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], aad: [UInt8]) throws(Failure)
        -> [UInt8]
    {
        guard var cipher = PureAES256(key: key), nonce.count == nonceLength else { throw .invalidLength }
        defer { cipher.wipeKey() }
        let ciphertext = counterMode(plaintext, cipher: cipher, nonce: nonce)
        return ciphertext + tag(cipher: cipher, nonce: nonce, aad: aad, ciphertext: ciphertext)
    }

    /// Checks the tag and decrypts ciphertext || tag. No plaintext is produced for a bad tag.
    public static func open(_ sealed: [UInt8], key: [UInt8], nonce: [UInt8], aad: [UInt8]) throws(Failure)
        -> [UInt8]
    {
        guard var cipher = PureAES256(key: key), nonce.count == nonceLength, sealed.count >= tagLength else {
            throw .invalidLength
        }
        defer { cipher.wipeKey() }
        let ciphertext = Array(sealed[0..<(sealed.count - tagLength)])
        let expected = tag(cipher: cipher, nonce: nonce, aad: aad, ciphertext: ciphertext)
        guard pureConstantTimeEqual(expected, Array(sealed[(sealed.count - tagLength)...])) else {
            throw .authenticationFailure
        }
        return counterMode(ciphertext, cipher: cipher, nonce: nonce)
    }

    /// CTR from inc32(J0), J0 = nonce || 00000001.
    private static func counterMode(_ input: [UInt8], cipher: PureAES256, nonce: [UInt8]) -> [UInt8] {
        var output = input
        var counter: UInt32 = 2
        var offset = 0
        while offset < input.count {
            let keystream = cipher.encrypt(nonce + bigEndian(counter))
            for i in 0..<min(16, input.count - offset) { output[offset + i] ^= keystream[i] }
            offset += 16
            counter &+= 1
        }
        return output
    }

    private static func tag(cipher: PureAES256, nonce: [UInt8], aad: [UInt8], ciphertext: [UInt8]) -> [UInt8] {
        var ghash = GHASH(key: cipher.encrypt([UInt8](repeating: 0, count: 16)))
        ghash.absorb(aad)
        ghash.absorb(ciphertext)
        var lengths = bigEndian(UInt64(aad.count) &* 8) + bigEndian(UInt64(ciphertext.count) &* 8)
        ghash.absorb(lengths)
        lengths = []
        var mask = cipher.encrypt(nonce + bigEndian(UInt32(1)))
        var out = ghash.digest
        for i in 0..<16 { out[i] ^= mask[i] }
        wipe(&mask)
        return out
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    private static func bigEndian(_ value: UInt64) -> [UInt8] {
        bigEndian(UInt32(truncatingIfNeeded: value >> 32)) + bigEndian(UInt32(truncatingIfNeeded: value))
    }
}

/// GHASH over one hash key H: absorbs zero-padded 16-byte blocks.
struct GHASH {
    private let hHigh: UInt64, hLow: UInt64
    private var yHigh: UInt64 = 0, yLow: UInt64 = 0

    init(key: [UInt8]) {
        (hHigh, hLow) = Self.load(key, 0)
    }

    private static func load(_ bytes: [UInt8], _ offset: Int) -> (UInt64, UInt64) {
        var high: UInt64 = 0, low: UInt64 = 0
        for i in 0..<8 {
            high = (high << 8) | UInt64(offset + i < bytes.count ? bytes[offset + i] : 0)
            low = (low << 8) | UInt64(offset + 8 + i < bytes.count ? bytes[offset + 8 + i] : 0)
        }
        return (high, low)
    }

    /// Absorbs `bytes` as blocks, the last one zero-padded (the conditions are on public lengths).
    mutating func absorb(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let (high, low) = Self.load(bytes, offset)
            (yHigh, yLow) = Self.multiply(yHigh ^ high, yLow ^ low, hHigh, hLow)
            offset += 16
        }
    }

    var digest: [UInt8] {
        var out: [UInt8] = []
        for word in [yHigh, yLow] {
            for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * i))) }
        }
        return out
    }

    /// X·H in GF(2^128) with GCM's reflected bit order, in constant time.
    static func multiply(_ xHigh: UInt64, _ xLow: UInt64, _ hHigh: UInt64, _ hLow: UInt64) -> (UInt64, UInt64) {
        var zHigh: UInt64 = 0, zLow: UInt64 = 0
        var vHigh = hHigh, vLow = hLow
        for i in 0..<128 {
            let word = i < 64 ? xHigh : xLow
            let take = UInt64.mask(fromBit: word >> UInt64(63 - i % 64))
            zHigh ^= vHigh & take
            zLow ^= vLow & take
            let reduce = UInt64.mask(fromBit: vLow)
            vLow = (vLow >> 1) | (vHigh << 63)
            vHigh = (vHigh >> 1) ^ (0xe100_0000_0000_0000 & reduce)
        }
        return (zHigh, zLow)
    }
}
