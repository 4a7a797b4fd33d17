import CofferCrypto
import CofferFirmware

/// The chip's random bytes: the OS CSPRNG, or, with `--seed`, a deterministic DRBG.
///
/// Each purpose gets its own seeded stream (the seed followed by the purpose's label), so the
/// bytes that made the UDS at `init` are never handed out again as nonces or channel ids later.
/// A seeded stream restarts with each process: reproducible runs, for tests and demos only.
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

    /// The OS CSPRNG when `seed` is nil, else the seeded stream for `purpose`.
    public init(seed: [UInt8]?, purpose: Purpose) {
        if let seed {
            seeded = SeededRandom(seed: seed + Array(purpose.rawValue.utf8))
            system = nil
        } else {
            seeded = nil
            system = SystemRandom()
        }
    }

    public func randomBytes(_ count: Int) -> [UInt8] {
        if let seeded { return seeded.randomBytes(count) }
        return system!.randomBytes(count)
    }
}
