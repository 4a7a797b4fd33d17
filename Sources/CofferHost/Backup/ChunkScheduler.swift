import Foundation

/// Hands out chunk indices to worker threads, one at a time in ascending order, and stops handing
/// them out at the first failure. Chunks are independent (each has its own nonce and tag and its
/// own place in both files), so workers may finish them in any order.
final class ChunkScheduler: @unchecked Sendable {
    /// How many chunks pass between two progress reports.
    static let progressInterval = 64

    let chunkCount: Int
    private let lock = NSLock()
    private var next = 0
    private var completed = 0
    private var failure: BackupError?
    private let progress: (@Sendable (_ completedChunks: Int) -> Void)?

    init(chunkCount: Int, progress: (@Sendable (_ completedChunks: Int) -> Void)?) {
        self.chunkCount = chunkCount
        self.progress = progress
    }

    /// Runs `work` for every chunk on `workers` threads; each thread gets its own worker from
    /// `makeWorker`. Throws the first failure, after every thread has stopped.
    func run<Worker>(workers: Int, makeWorker: @Sendable () throws(BackupError) -> Worker,
                     work: @Sendable (Worker, Int) throws(BackupError) -> Void) throws(BackupError) {
        let threads = max(1, min(workers, chunkCount))
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            do throws(BackupError) {
                let worker = try makeWorker()
                while let index = take() {
                    try work(worker, index)
                    finished()
                }
            } catch {
                fail(error)
            }
        }
        if let failure { throw failure }
    }

    private func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil, next < chunkCount else { return nil }
        next += 1
        return next - 1
    }

    private func finished() {
        lock.lock()
        completed += 1
        let count = completed
        lock.unlock()
        if count % ChunkScheduler.progressInterval == 0 || count == chunkCount { progress?(count) }
    }

    private func fail(_ error: BackupError) {
        lock.lock()
        defer { lock.unlock() }
        // The lowest-numbered story is the one a person can act on; keep the first reported.
        if failure == nil { failure = error }
    }
}

/// One chunk's worth of memory for a worker thread, wiped before it is freed (it holds plaintext).
final class ChunkBuffer {
    let bytes: UnsafeMutableRawBufferPointer

    init() {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: BackupFormat.sealedChunkSize, alignment: 64)
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
        bytes.deallocate()
    }

    /// The first `count` bytes.
    func prefix(_ count: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: bytes[0..<count])
    }
}
