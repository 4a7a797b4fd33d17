// HKDF (RFC 5869) on top of HMAC: extract a pseudorandom key, then expand it into output keying
// material. Written over the HMAC type rather than EVP_KDF "HKDF" because OPAQUE needs the two
// halves separately and the loop is short.

/// HKDF over the hash function `H` (RFC 5869).
public enum HKDF<H: HashFunction> {
    /// The most bytes one expansion can produce: 255 blocks of the hash output (RFC 5869 §2.3).
    public static var maximumOutputLength: Int { 255 * H.outputLength }

    /// HKDF-Extract: the pseudorandom key (`H.outputLength` bytes) from input keying material.
    /// An empty salt stands for `H.outputLength` zero bytes, as RFC 5869 §2.2 prescribes.
    public static func extract(salt: [UInt8], ikm: [UInt8]) -> [UInt8] {
        let key = salt.isEmpty ? [UInt8](repeating: 0, count: H.outputLength) : salt
        return HMAC<H>.authenticationCode(for: ikm, key: key)
    }

    /// HKDF-Expand: `length` bytes of output keying material from a pseudorandom key.
    ///
    /// - Throws: `CryptoError.invalidLength` when `prk` is shorter than the hash output or
    ///   `length` is negative or above `maximumOutputLength`.
    public static func expand(prk: [UInt8], info: [UInt8], length: Int) throws(CryptoError) -> [UInt8] {
        guard prk.count >= H.outputLength, length >= 0, length <= maximumOutputLength else {
            throw .invalidLength
        }
        var output: [UInt8] = []
        output.reserveCapacity(length + H.outputLength)
        var previous: [UInt8] = []
        var counter: UInt8 = 1
        // The PRK is keyed once; each block starts from a copy of that keyed state.
        var keyed = HMAC<H>(key: prk)
        defer { keyed.wipe() }
        // T(i) = HMAC(PRK, T(i-1) | info | i); the output is T(1) | T(2) | ... cut to `length`.
        while output.count < length {
            var mac = keyed
            mac.update(previous)
            mac.update(info)
            withUnsafeBytes(of: counter) { mac.update($0) }
            previous = mac.finalize()
            output += previous
            counter &+= 1
        }
        if output.count > length { output.removeLast(output.count - length) }
        return output
    }

    /// Extract then expand in one call.
    public static func deriveKey(ikm: [UInt8], salt: [UInt8], info: [UInt8], length: Int) throws(CryptoError)
        -> [UInt8]
    {
        try expand(prk: extract(salt: salt, ikm: ikm), info: info, length: length)
    }
}
