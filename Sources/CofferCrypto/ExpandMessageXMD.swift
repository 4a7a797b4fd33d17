// RFC 9380 §5.3.1 expand_message_xmd over any hash CofferCrypto offers: P-256's hash_to_curve runs
// it with SHA-256, ristretto255's hash_to_group and HashToScalar with SHA-512.

/// expand_message_xmd (RFC 9380 §5.3.1) with the hash function `H`.
public enum ExpandMessageXMD<H: HashFunction> {
    /// `b_in_bytes`: the hash's output length.
    static var hashLength: Int { H.outputLength }
    /// `s_in_bytes`: the hash's input block length.
    static var blockLength: Int { H.algorithm.blockLength }

    /// `length` uniformly random bytes from `message` under the domain separation tag `dst`. A DST
    /// over 255 bytes is first hashed as §5.3.3 prescribes.
    ///
    /// - Throws: `CryptoError.invalidLength` for a length above 65535 or needing more than 255
    ///   hash blocks (RFC 9380's `ell > 255` abort).
    public static func expand(_ message: [UInt8], dst: [UInt8], length: Int) throws(CryptoError) -> [UInt8] {
        try expand(message, dst: dst, length: length, zeroPadded: zeroPadded())
    }

    /// A hash state that has absorbed `Z_pad` (one zero block), the start of every `b_0`. The same
    /// for every input, so a caller that expands often keeps one and saves a compression per call.
    static func zeroPadded() -> H {
        var state = H()
        state.update([UInt8](repeating: 0, count: blockLength))
        return state
    }

    /// `expand` starting `b_0` from `zeroPadded`, a copy of `zeroPadded()`.
    static func expand(_ message: [UInt8], dst: [UInt8], length: Int, zeroPadded: H) throws(CryptoError)
        -> [UInt8]
    {
        let blocks = (length + hashLength - 1) / hashLength
        guard length >= 0, length <= 65535, blocks <= 255 else { throw .invalidLength }
        let dstPrime = dstPrime(dst)
        var first = zeroPadded
        first.update(message)
        first.update([UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length), 0])
        first.update(dstPrime)
        let b0 = first.finalize()
        var block = hash([b0, [1], dstPrime])
        var uniform = block
        if blocks >= 2 {
            for i in 2...blocks {
                var mixed = b0
                for j in 0..<hashLength { mixed[j] ^= block[j] }
                block = hash([mixed, [UInt8(i)], dstPrime])
                uniform += block
            }
        }
        return Array(uniform.prefix(length))
    }

    /// `DST_prime = DST || I2OSP(len(DST), 1)`, with an oversize DST hashed first (§5.3.3).
    public static func dstPrime(_ dst: [UInt8]) -> [UInt8] {
        let tag = dst.count > 255 ? hash([Array("H2C-OVERSIZE-DST-".utf8), dst]) : dst
        return tag + [UInt8(tag.count)]
    }

    /// `msg_prime = Z_pad || msg || I2OSP(len_in_bytes, 2) || I2OSP(0, 1) || DST_prime`, where
    /// `Z_pad` is one zero block of the hash.
    public static func messagePrime(_ message: [UInt8], length: Int, dstPrime: [UInt8]) -> [UInt8] {
        [UInt8](repeating: 0, count: blockLength) + message
            + [UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length), 0] + dstPrime
    }

    /// One hash over the concatenation of `parts`, without building the concatenation.
    private static func hash(_ parts: [[UInt8]]) -> [UInt8] {
        var state = H()
        for part in parts { state.update(part) }
        return state.finalize()
    }
}
