// Random bytes: the operating system's CSPRNG through libcrypto, or a seeded deterministic
// generator for reproducible runs (`coffer-emulator --seed`, tests).

import CofferFirmware

/// A source of random bytes that the host side and the firmware's HAL can both use.
public protocol RandomSource: AnyObject {
    /// Fills `buffer` with random bytes.
    func fill(_ buffer: UnsafeMutableRawBufferPointer)
}

extension RandomSource {
    /// `count` random bytes.
    public func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        return [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
            fill(UnsafeMutableRawBufferPointer(output))
            initialized = count
        }
    }
}

/// libcrypto's CSPRNG (RAND_bytes), seeded from the operating system.
///
/// If the generator cannot produce bytes (no OS entropy) the process stops: handing out weak
/// keys would be worse than not running.
public final class SystemRandom: RandomSource, EntropySource, @unchecked Sendable {
    /// A handle on the system generator; all instances draw from the same one.
    public init() {}

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        systemRandomFill(buffer)
    }

    public func randomBytes(_ count: Int) -> [UInt8] { bytes(count) }
}

/// A deterministic generator: HMAC_DRBG with HMAC-SHA256 as NIST SP 800-90A rev. 1 §10.1.2
/// specifies it, instantiated with `seed` as the entropy input (no nonce, no personalisation
/// string) and never reseeded; each request is one Generate call without additional input.
///
/// The same seed and the same sequence of request sizes give the same bytes on every platform.
/// Requests are not a plain stream: asking for 32 bytes twice differs from asking for 64 once,
/// because the DRBG updates its state after every request. For tests and reproducible
/// emulator runs only: the output is as secret as the seed.
public final class SeededRandom: RandomSource, EntropySource {
    private var key: [UInt8]
    private var value: [UInt8]

    /// A generator seeded with `seed` (any length; use at least 32 bytes for unpredictability).
    public init(seed: [UInt8]) {
        key = [UInt8](repeating: 0x00, count: 32)
        value = [UInt8](repeating: 0x01, count: 32)
        update(seed)
    }

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            value = HMAC<SHA256>.authenticationCode(for: value, key: key)
            let take = min(value.count, buffer.count - offset)
            for i in 0..<take { buffer[offset + i] = value[i] }
            offset += take
        }
        update([])
    }

    public func randomBytes(_ count: Int) -> [UInt8] { bytes(count) }

    /// HMAC_DRBG_Update (SP 800-90A §10.1.2.2).
    private func update(_ providedData: [UInt8]) {
        key = HMAC<SHA256>.authenticationCode(for: value + [0x00] + providedData, key: key)
        value = HMAC<SHA256>.authenticationCode(for: value, key: key)
        guard !providedData.isEmpty else { return }
        key = HMAC<SHA256>.authenticationCode(for: value + [0x01] + providedData, key: key)
        value = HMAC<SHA256>.authenticationCode(for: value, key: key)
    }
}
