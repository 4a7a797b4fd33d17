/// Why a state file (or the state directory) was refused. Each error names the file and says what is
/// wrong with it, so an operator can tell a corrupt state from a foreign one or a busy one. Nothing
/// that fails these checks is ever re-created or reset behind the operator's back.
public struct StateFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong with the file. Extend-only.
    public enum Problem: Equatable, Sendable {
        /// The file does not exist although the rest of the state does.
        case missing
        /// The file is already there where a new one was to be created.
        case alreadyExists
        /// The file does not start with the expected magic: it is not this kind of Coffer file.
        case badMagic
        /// The format version is one this emulator does not read.
        case unsupportedVersion(UInt16)
        /// The checksum over the contents does not match.
        case badChecksum
        /// The file's size is not what its format or the device geometry requires.
        case wrongSize(actual: Int, expected: String)
        /// A field holds a value the format does not allow.
        case malformed(String)
        /// Neither page of the counter bank holds a valid copy.
        case bothCounterPagesInvalid(page0: String, page1: String)
        /// The two counter pages are each valid but contradict each other.
        case inconsistentCounterPages(String)
        /// Another emulator holds the lock on this state directory.
        case locked(holder: String)
        /// A system call failed.
        case system(operation: String, errno: Int32)
        /// The power was cut (by `--crash-after-writes`) before the file could be written.
        case powerCut
        /// The file is bound to another device than the fuses beside it (another device's counters).
        case belongsToAnotherDevice
        /// The file is bound to no device although the fuses beside it are burned.
        case boundToNoDevice
    }

    /// The path of the file the problem is about.
    public let path: String
    /// What is wrong with it.
    public let problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        "\(path): \(problem.explanation)"
    }
}

extension StateFileError.Problem {
    /// A short human sentence, free of any file contents (the fuses hold a secret).
    var explanation: String {
        switch self {
        case .missing: return "missing (the rest of the state is present; refusing to re-create it)"
        case .alreadyExists: return "already exists (refusing to overwrite it)"
        case .badMagic: return "bad magic (not a Coffer state file of this kind)"
        case .unsupportedVersion(let version): return "unsupported format version \(version)"
        case .badChecksum: return "bad checksum (the file is corrupt)"
        case .wrongSize(let actual, let expected): return "wrong size: \(actual) bytes, expected \(expected)"
        case .malformed(let what): return "malformed: \(what)"
        case .bothCounterPagesInvalid(let page0, let page1):
            return "both counter pages invalid (page 0: \(page0); page 1: \(page1))"
        case .inconsistentCounterPages(let what): return "inconsistent counter pages: \(what)"
        case .locked(let holder): return "state directory is in use by another coffer-emulator (\(holder))"
        case .system(let operation, let errno): return "\(operation) failed: \(SystemError.message(errno))"
        case .powerCut: return "not written: the power was cut"
        case .belongsToAnotherDevice:
            return "belongs to another device (its device tag does not match the fuses); refusing to use it"
        case .boundToNoDevice:
            return "is bound to no device although the fuses are burned (a bank of a blank device?); refusing to use it"
        }
    }
}
