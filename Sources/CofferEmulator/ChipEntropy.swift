import CofferCrypto
import CofferFirmware

/// The chip's random bytes: the OS CSPRNG, or, with `--seed`, a deterministic DRBG.
///
/// Each purpose gets its own seeded stream (the seed followed by the purpose's label), so the
/// bytes that made the UDS at `init` are never handed out again as nonces or channel ids later.
///
/// The running firmware's stream (`.run`) is also keyed by the boot count, which the emulator
/// raises durably before any draw (`CounterLayout.boots`): a seeded stream never restarts, so no
/// nonce, key share or channel id repeats across boots, and a login recorded at one boot cannot be
/// replayed at another. The `.manufacture` and `.serial` streams stay keyed by the seed alone: they
/// are drawn only while the fuses are blank, and only the values burned once are ever used (a
/// manufacture cut off before the burn used nothing it drew), so a seed keeps naming one device.
public final class ChipEntropy: EntropySource {
    /// What a stream is for.
    public enum Purpose: String, Sendable {
        /// Manufacture: the UDS the firmware draws.
        case manufacture = "coffer-emulator/manufacture"
        /// The serial number the emulator orders at manufacture (public, so never the UDS's stream).
        case serial = "coffer-emulator/serial"
        /// Everything the running firmware draws: channel ids, OPAQUE nonces and keys.
        case run = "coffer-emulator/run"
    }

    private let system: SystemRandom?
    private let seeded: SeededRandom?

    /// The OS CSPRNG when `seed` is nil, else the seeded stream for `purpose` at boot number `boot`
    /// (which keys the `.run` stream only).
    public init(seed: [UInt8]?, purpose: Purpose, boot: UInt32) {
        if let seed {
            seeded = SeededRandom(seed: Self.streamSeed(seed, purpose: purpose, boot: boot))
            system = nil
        } else {
            seeded = nil
            system = SystemRandom()
        }
    }

    /// The DRBG's entropy input: the seed, the purpose's label and, for `.run`, the boot count as a
    /// big-endian u32 (a fixed-length tail after a fixed label, so no two inputs collide).
    static func streamSeed(_ seed: [UInt8], purpose: Purpose, boot: UInt32) -> [UInt8] {
        var input = seed + Array(purpose.rawValue.utf8)
        if purpose == .run {
            input += Array("/boot".utf8) + withUnsafeBytes(of: boot.bigEndian) { Array($0) }
        }
        return input
    }

    public func randomBytes(_ count: Int) -> [UInt8] {
        if let seeded { return seeded.randomBytes(count) }
        return system!.randomBytes(count)
    }
}
