import CofferFirmware
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Power-cut injection for the chip's media, shared by the fuses, the counter bank and the flash.
///
/// Durable writes are numbered 1, 2, 3, ... across all three files in the order the firmware (or
/// `init`) asks for them. One durable write is: burning the fuses, creating the counters file,
/// creating the flash image, one counter increment, one flash program, or one flash page erase.
/// With a cut at N, writes 1 ... N−1 complete and are durable; write N never reaches the medium:
/// the power goes before its first byte is written. (Torn writes inside one page are covered by the
/// counter bank's own tests, which tear pages byte by byte.)
public final class PowerCut {
    /// What happens when the power goes.
    public enum Effect: Sendable {
        /// The process ends at once with `PowerCut.exitStatus` via `_exit`: no cleanup, no flush,
        /// the lock released by the kernel as the descriptor dies. What a power cut looks like.
        case endProcess
        /// The write fails with `.ioFailure`, and so does every later write: the chip is dead until
        /// its state is reopened. For in-process tests.
        case failWrites
    }

    /// The exit status of a process whose power was cut.
    public static let exitStatus: Int32 = 86

    /// The durable write at which the power goes, or nil for never.
    public let cutAt: Int?
    /// What happens then.
    public let effect: Effect
    /// Durable writes allowed to reach the medium so far.
    public private(set) var writesAdmitted = 0
    /// Whether the power has gone (only observable with `.failWrites`).
    public private(set) var isCut = false
    /// False while `unnumbered` runs: its writes take no number, so a cut never lands on them.
    private var numbering = true

    private let logger = Logger(label: "coffer.emulator.power")

    /// A power supply that fails at the `cutAt`-th durable write, or never when nil.
    public init(cutAt: Int? = nil, effect: Effect = .endProcess) {
        precondition(cutAt.map { $0 >= 1 } ?? true, "durable writes are numbered from 1")
        self.cutAt = cutAt
        self.effect = effect
    }

    /// Called by a state file right before a durable write touches `file`. Returns when the write may
    /// go ahead; otherwise the power goes here, before any byte of the write.
    func admitWrite(to file: String) throws(HALError) {
        if isCut { throw .ioFailure }
        guard numbering else { return }
        let number = writesAdmitted + 1
        if let cutAt, number >= cutAt {
            isCut = true
            switch effect {
            case .endProcess:
                logger.notice("power cut before durable write \(number) (\(file))")
                _exit(PowerCut.exitStatus)
            case .failWrites:
                throw .ioFailure
            }
        }
        writesAdmitted = number
    }

    /// Runs `body`, whose durable writes are admitted without a number: the boot count raised at
    /// every power-on. Numbering it would shift every later write's number by the boots before it
    /// (a `serve` boots twice before it answers), so `--crash-after-writes N` would stop meaning the
    /// N-th write of the command under test; and a cut there is a cut before the boot (the counter
    /// bank's own tests tear its page writes byte by byte). A power already cut still fails them.
    func unnumbered<T>(_ body: () throws(HALError) -> T) throws(HALError) -> T {
        numbering = false
        defer { numbering = true }
        return try body()
    }

    /// `admitWrite` for the creation of a whole state file.
    func admitCreation(of file: String) throws(StateFileError) {
        do {
            try admitWrite(to: file)
        } catch {
            throw StateFileError(path: file, problem: .powerCut)
        }
    }
}
