/// Why a backup file could not be written or restored. A refusal never leaves output behind.
public enum BackupError: Error, Equatable, Sendable {
    /// The input does not start with a Coffer backup header.
    case notABackup(path: String)
    /// A backup written by a later format version.
    case unsupportedVersion(UInt8)
    /// A header whose fixed fields (chunk size, reserved bytes) are not what version 1 allows.
    case malformedHeader(reason: String)
    /// The key's commitment does not match the header: another key (or an altered header).
    case wrongKey
    /// The file ends early: cut inside the header or inside a chunk, or before its last chunk.
    case truncated
    /// A chunk failed authentication: tampered, reordered, spliced from another file, or the end
    /// of a file cut at a chunk boundary.
    case chunkRejected(index: Int)
    /// More chunks than the 32-bit counter in the nonce can number.
    case tooLarge
    /// The input is a directory (or another thing that cannot be read as a stream of bytes).
    case notARegularFile(path: String)
    /// The output exists and `--force` (`BackupOptions.replaceExisting`) was not given.
    case outputExists(path: String)
    /// The output path names something that is not a regular file; it is never replaced.
    case outputNotRegular(path: String, kind: FileKind)
    /// A backup would be written to a terminal.
    case terminalOutput
    /// The input changed size while it was read.
    case inputChanged(path: String)
    /// A system call failed on `path`.
    case io(path: String, operation: String, reason: String)
}

extension BackupError: CofferFailure {
    public var exitStatus: ExitStatus {
        switch self {
        case .notABackup, .unsupportedVersion, .malformedHeader, .wrongKey, .truncated, .chunkRejected:
            .dataError
        case .notARegularFile, .outputNotRegular, .terminalOutput:
            .usage
        case .outputExists, .tooLarge, .inputChanged, .io:
            .failure
        }
    }

    public var message: String {
        switch self {
        case .notABackup(let path): "\(path) is not a Coffer backup (no COFFERBK header)"
        case .unsupportedVersion(let version): "backup format version \(version) is newer than this cofferctl reads (1)"
        case .malformedHeader(let reason): "corrupt backup header: \(reason)"
        case .wrongKey: "this key does not open the backup (wrong key, or the header was altered)"
        case .truncated: "the backup is truncated"
        case .chunkRejected(let index):
            "chunk \(index) of the backup fails authentication: tampered, reordered, spliced or truncated"
        case .tooLarge: "the input is too large for one backup file (more than 2^32 chunks)"
        case .notARegularFile(let path): "\(path) cannot be read as a file (a directory?)"
        case .outputExists(let path): "\(path) exists; give --force to replace it"
        case .outputNotRegular(let path, let kind):
            "\(path) is \(kind.rawValue), not a regular file; it is never replaced (write to stdout with -)"
        case .terminalOutput: "refusing to write a backup to a terminal; redirect stdout or name an output file"
        case .inputChanged(let path): "\(path) changed size while it was read; nothing was written"
        case .io(let path, let operation, let reason): "\(path): \(operation) failed: \(reason)"
        }
    }
}
