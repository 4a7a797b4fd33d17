// Reproducible "randomness" for tests and seeded runs: every byte follows from the seed.
// Never a device's entropy source outside tests and `--seed` runs.

import CofferFirmware

/// A deterministic byte stream (SplitMix64) standing in for a TRNG where runs must repeat.
public final class SeededEntropy: EntropySource {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The next 64 pseudo-random bits.
    public func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public func randomBytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count + 8)
        while out.count < count {
            var word = next()
            for _ in 0..<8 {
                out.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return Array(out.prefix(count))
    }
}
