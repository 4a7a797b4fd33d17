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
    /// The input is not a regular file (chunks are read by position, so pipes are refused).
    case notARegularFile(path: String)
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
        case .notARegularFile:
            .usage
        case .tooLarge, .inputChanged, .io:
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
        case .notARegularFile(let path): "\(path) is not a regular file"
        case .inputChanged(let path): "\(path) changed size while it was read"
        case .io(let path, let operation, let reason): "\(path): \(operation) failed: \(reason)"
        }
    }
}
