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
    /// Threads sealing or opening chunks of a regular input file; each has its own key context and
    /// one batch buffer, so memory stays a few chunks whatever the file size.
    public var workers: Int
    /// Whether the output is flushed to disk (file and directory) before `encrypt`/`decrypt` return.
    public var durable: Bool
    /// Whether an existing regular file at the output may be replaced (`--force`). Anything else at
    /// the output (a symbolic link, a device, a FIFO, a directory) is never replaced.
    public var replaceExisting: Bool
    /// Told (bytes done, bytes in all) as the work goes, from the worker threads; for a streamed
    /// input the total is not known and is given as 0.
    public var progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?

    /// Up to four workers, durable output, never replacing, no progress.
    public init(workers: Int = BackupOptions.defaultWorkers, durable: Bool = true, replaceExisting: Bool = false,
                progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) {
        self.workers = workers
        self.durable = durable
        self.replaceExisting = replaceExisting
        self.progress = progress
    }

    /// One worker per processor, at most four (beyond that the disk is the limit).
    public static var defaultWorkers: Int { max(1, min(4, ProcessInfo.processInfo.activeProcessorCount)) }
}

/// What a backup run did.
public struct BackupSummary: Sendable, Equatable {
    /// Plaintext bytes: read when encrypting, written when decrypting.
    public let plaintextBytes: Int
    /// Bytes of the backup file: written when encrypting, read when decrypting.
    public let backupBytes: Int
}

/// Encrypts a file into a Coffer backup and restores it, with `BackupFormat` version 1.
///
/// `input` and `output` are paths, or `-` for stdin and stdout. A regular input file is mapped and
/// its chunks sealed on several threads; any other input (a pipe, a FIFO, stdin) is streamed in
/// order in constant memory, as is output to stdout. An output file appears at its destination
/// only once complete and, when restoring, only once every chunk has verified: a refused backup
/// leaves nothing there. Decrypting to stdout writes each batch once it has verified, so a refusal
/// there comes after the verified part was written.
public enum BackupFile {
    /// The name that means stdin as an input and stdout as an output.
    public static let standardStream = "-"

    /// Encrypts `input` under `key` (32 bytes) into a backup at `output`.
    @discardableResult
    public static func encrypt(input: String, output: String, key: SecretBytes,
                               random: some RandomSource = SystemRandom(),
                               options: BackupOptions = BackupOptions()) throws(BackupError) -> BackupSummary {
        precondition(key.count == AESGCM.keyLength, "a backup key is 32 bytes")
        let sink = try BackupSink(output, options: options, binary: true)
        let source = try BackupSource(input)
        let salt = random.bytes(BackupFormat.saltSize)
        let keys = BackupFileKeys(backupKey: key, salt: salt)
        let header = BackupHeader(salt: salt, noncePrefix: random.bytes(BackupFormat.noncePrefixSize),
                                  commitment: keys.commitment)
        try header.bytes.withBytes { (bytes) throws(BackupError) in try sink.file.writeSequentially(bytes) }

        let plaintext: Int
        if let size = source.size, sink.positioned {
            let plan = ChunkPlan.sealing(plaintextSize: size)
            guard plan.chunkCount <= BackupFormat.maxChunkCount else { throw .tooLarge }
            try run(plan, from: source.file, to: sink.file, keys: keys, header: header, options: options)
            guard try source.currentSize() == size else { throw .inputChanged(path: input) }
            plaintext = size
        } else {
            plaintext = try stream(.seal, keys: keys, header: header, source: source, sink: sink,
                                   options: options).input
        }
        try sink.commit(durable: options.durable)
        return BackupSummary(plaintextBytes: plaintext, backupBytes: BackupFormat.sealedSize(plaintextSize: plaintext))
    }

    /// Checks and decrypts the backup at `input` with `key` into `output`.
    ///
    /// - Throws: `.wrongKey` before any chunk is opened when the key does not match the header's
    ///   commitment; `.chunkRejected` for a chunk that fails authentication; `.truncated`; and the
    ///   header errors. Nothing is left at an output file on any failure.
    @discardableResult
    public static func decrypt(input: String, output: String, key: SecretBytes,
                               options: BackupOptions = BackupOptions()) throws(BackupError) -> BackupSummary {
        precondition(key.count == AESGCM.keyLength, "a backup key is 32 bytes")
        try BackupSink.check(output, options: options)
        let source = try BackupSource(input)
        var headerBytes = [UInt8](repeating: 0, count: BackupFormat.headerSize)
        let headerCount = try headerBytes.withMutableBytes { (bytes) throws(BackupError) in
            try source.file.readSequentially(into: bytes)
        }
        let header = try BackupHeader(parsing: Array(headerBytes[0..<headerCount]), path: input)
        let keys = BackupFileKeys(backupKey: key, salt: Array(header.salt))
        guard constantTimeEqual(keys.commitment, Array(header.commitment)) else { throw .wrongKey }

        let sink = try BackupSink(output, options: options, binary: false)
        let backup: Int
        let plaintext: Int
        if let size = source.size, sink.positioned {
            // Every chunk, the last included, carries at least its tag.
            guard let plan = ChunkPlan.opening(bodySize: size - BackupFormat.headerSize) else { throw .truncated }
            guard plan.chunkCount <= BackupFormat.maxChunkCount else { throw .tooLarge }
            try run(plan, from: source.file, to: sink.file, keys: keys, header: header, options: options)
            backup = size
            plaintext = plan.plaintextBytes(throughChunk: plan.chunkCount)
        } else {
            let totals = try stream(.open, keys: keys, header: header, source: source, sink: sink, options: options)
            backup = BackupFormat.headerSize + totals.input
            plaintext = totals.output
        }
        try sink.commit(durable: options.durable)
        return BackupSummary(plaintextBytes: plaintext, backupBytes: backup)
    }

    /// The size of the regular file at `path` (what a progress meter counts against); nil for a
    /// stream (`-`, a pipe, a FIFO), whose size is not known ahead.
    public static func size(of path: String) throws(BackupError) -> Int? {
        var info = stat()
        // stat, not open: opening a FIFO would wait for its writer.
        let status = path == standardStream ? fstat(STDIN_FILENO, &info) : stat(path, &info)
        guard status == 0 else { throw .io(path: path, operation: "stat", reason: OpenFile.reason()) }
        return info.st_mode & S_IFMT == S_IFREG ? Int(info.st_size) : nil
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

    /// Streams through one cipher per worker (`ChunkStream`).
    private static func stream(_ direction: ChunkPlan.Direction, keys: BackupFileKeys, header: BackupHeader,
                               source: BackupSource, sink: BackupSink,
                               options: BackupOptions) throws(BackupError) -> (input: Int, output: Int) {
        var ciphers: [ChunkCipher] = []
        for _ in 0..<max(1, options.workers) {
            ciphers.append(try ChunkCipher(direction: direction, fileKey: keys.fileKey, header: header))
        }
        let progress = options.progress
        return try ChunkStream(direction: direction, ciphers: ciphers)
            .run(from: source.file, to: sink.file, progress: progress.map { report in { report($0, 0) } })
    }
}

/// Where a backup run reads: a regular file (known size, read by position) or a stream.
private struct BackupSource {
    let file: OpenFile
    /// The size of a regular file; nil for a stream.
    let size: Int?

    init(_ path: String) throws(BackupError) {
        file = path == BackupFile.standardStream
            ? OpenFile(descriptor: STDIN_FILENO, path: "standard input", owned: false)
            : try OpenFile(path: path, flags: O_RDONLY)
        let info = try file.status()
        switch info.st_mode & S_IFMT {
        case S_IFREG: size = Int(info.st_size)
        case S_IFDIR: throw .notARegularFile(path: path)
        default: size = nil
        }
    }

    func currentSize() throws(BackupError) -> Int {
        Int(try file.status().st_size)
    }
}

/// Where a backup run writes: a staged file beside the destination, or stdout.
private struct BackupSink {
    let file: OpenFile
    private let temporary: StagedOutput?

    /// Whether chunks may be written by position (a staged file), not only in order (stdout).
    var positioned: Bool { temporary != nil }

    /// Refuses an output that must not be written, before any work is done.
    static func check(_ path: String, options: BackupOptions) throws(BackupError) {
        guard path != BackupFile.standardStream else { return }
        try StagedOutput.checkDestination(path, replace: options.replaceExisting)
    }

    /// `binary` output (a backup) is refused on a terminal.
    init(_ path: String, options: BackupOptions, binary: Bool) throws(BackupError) {
        if path == BackupFile.standardStream {
            if binary && isatty(STDOUT_FILENO) == 1 { throw .terminalOutput }
            file = OpenFile(descriptor: STDOUT_FILENO, path: "standard output", owned: false)
            temporary = nil
        } else {
            let staged = try StagedOutput(destination: path, replace: options.replaceExisting)
            file = staged.file
            temporary = staged
        }
    }

    func commit(durable: Bool) throws(BackupError) {
        if let temporary { try temporary.commit(durable: durable) }
    }
}
