#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CofferCrypto
import Foundation
import OPAQUE

/// How a backup is written or restored.
public struct BackupOptions: Sendable {
    /// Threads sealing or opening chunks; each has its own key context and one chunk buffer, so
    /// memory stays a few chunks whatever the file size.
    public var workers: Int
    /// Whether the output is flushed to disk (file and directory) before `encrypt`/`decrypt` return.
    public var durable: Bool
    /// Told (bytes done, bytes in all) as the work goes, from the worker threads.
    public var progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?

    /// Up to four workers, durable output, no progress.
    public init(workers: Int = BackupOptions.defaultWorkers, durable: Bool = true,
                progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) {
        self.workers = workers
        self.durable = durable
        self.progress = progress
    }

    /// One worker per processor, at most four (beyond that the disk is the limit).
    public static var defaultWorkers: Int { max(1, min(4, ProcessInfo.processInfo.activeProcessorCount)) }
}

/// Encrypts a file into a Coffer backup and restores it, with `BackupFormat` version 1.
///
/// The output appears at its destination only once complete and, when restoring, only once every
/// chunk has verified: a refused backup leaves nothing at the destination.
public enum BackupFile {
    /// Encrypts the regular file at `input` under `key` (32 bytes) into a backup at `output`.
    public static func encrypt(input: String, output: String, key: SecretBytes,
                               random: some RandomSource = SystemRandom(),
                               options: BackupOptions = BackupOptions()) throws(BackupError) {
        precondition(key.count == AESGCM.keyLength, "a backup key is 32 bytes")
        let source = try OpenFile(path: input, flags: O_RDONLY)
        let size = try regularFileSize(source)
        let plan = ChunkPlan.sealing(plaintextSize: size)
        guard plan.chunkCount <= BackupFormat.maxChunkCount else { throw .tooLarge }

        let salt = random.bytes(BackupFormat.saltSize)
        let keys = BackupFileKeys(backupKey: key, salt: salt)
        let header = BackupHeader(salt: salt, noncePrefix: random.bytes(BackupFormat.noncePrefixSize),
                                  commitment: keys.commitment)
        let staged = try StagedOutput(destination: output)
        try header.bytes.withBytes { (bytes) throws(BackupError) in try staged.file.write(bytes, at: 0) }

        try run(plan, from: source, to: staged.file, keys: keys, header: header, options: options)
        guard try regularFileSize(source) == size else { throw .inputChanged(path: input) }
        try staged.commit(durable: options.durable)
    }

    /// Checks and decrypts the backup at `input` with `key` into `output`.
    ///
    /// - Throws: `.wrongKey` before any chunk is opened when the key does not match the header's
    ///   commitment; `.chunkRejected` for a chunk that fails authentication; `.truncated`; and the
    ///   header errors. Nothing is left at `output` on any failure.
    public static func decrypt(input: String, output: String, key: SecretBytes,
                               options: BackupOptions = BackupOptions()) throws(BackupError) {
        precondition(key.count == AESGCM.keyLength, "a backup key is 32 bytes")
        let source = try OpenFile(path: input, flags: O_RDONLY)
        let size = try regularFileSize(source)
        var headerBytes = [UInt8](repeating: 0, count: BackupFormat.headerSize)
        let headerCount = try headerBytes.withMutableBytes { (bytes) throws(BackupError) in
            try source.read(into: bytes, at: 0)
        }
        let header = try BackupHeader(parsing: Array(headerBytes[0..<headerCount]), path: input)
        let keys = BackupFileKeys(backupKey: key, salt: Array(header.salt))
        guard constantTimeEqual(keys.commitment, Array(header.commitment)) else { throw .wrongKey }

        // Every chunk, the last included, carries at least its tag.
        guard let plan = ChunkPlan.opening(bodySize: size - BackupFormat.headerSize) else { throw .truncated }
        guard plan.chunkCount <= BackupFormat.maxChunkCount else { throw .tooLarge }
        let staged = try StagedOutput(destination: output)
        try run(plan, from: source, to: staged.file, keys: keys, header: header, options: options)
        try staged.commit(durable: options.durable)
    }

    /// The size of the regular file at `path` (what a progress meter counts against).
    public static func size(of path: String) throws(BackupError) -> Int {
        try regularFileSize(OpenFile(path: path, flags: O_RDONLY))
    }

    private static func regularFileSize(_ file: OpenFile) throws(BackupError) -> Int {
        let info = try file.status()
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notARegularFile(path: file.path) }
        return Int(info.st_size)
    }

    /// Runs the plan's chunks through the workers.
    private static func run(_ plan: ChunkPlan, from source: OpenFile, to sink: OpenFile, keys: BackupFileKeys,
                            header: BackupHeader, options: BackupOptions) throws(BackupError) {
        let scheduler = ChunkScheduler(plan: plan, progress: options.progress)
        try scheduler.run(workers: options.workers) { () throws(BackupError) in
            try ChunkWorker(plan: plan, fileKey: keys.fileKey, header: header)
        } work: { (worker, batch) throws(BackupError) in
            try worker.process(batch, from: source, to: sink, scheduler: scheduler)
        }
    }
}
