import Foundation

/// Hands out batches of consecutive chunks to worker threads in ascending order, and stops
/// handing them out at the first failure. Chunks are independent (each has its own nonce and tag
/// and its own place in both files), so workers may finish them in any order.
final class ChunkScheduler: @unchecked Sendable {
    let plan: ChunkPlan
    private let lock = NSLock()
    /// Held while a batch is written: concurrent buffered writes to one file contend on its inode
    /// lock, and the kernel spins on that lock; taking turns here lets the waiting worker sleep
    /// (and the other workers keep encrypting) instead.
    private let writeLock = NSLock()
    private var next = 0
    private var completed = 0
    private var failure: BackupError?
    private let progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?

    init(plan: ChunkPlan, progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?) {
        self.plan = plan
        self.progress = progress
    }

    /// Runs `work` for every batch on `workers` threads; each thread gets its own worker from
    /// `makeWorker`. Throws the first failure, after every thread has stopped.
    func run<Worker>(workers: Int, makeWorker: @Sendable () throws(BackupError) -> Worker,
                     work: @Sendable (Worker, Range<Int>) throws(BackupError) -> Void) throws(BackupError) {
        let batches = (plan.chunkCount + ChunkPlan.batchSize - 1) / ChunkPlan.batchSize
        let threads = max(1, min(workers, batches))
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            do throws(BackupError) {
                let worker = try makeWorker()
                while let batch = take() {
                    try work(worker, batch)
                    finished(batch.count)
                }
            } catch {
                fail(error)
            }
        }
        if let failure { throw failure }
    }

    /// Runs `write` while no other worker writes.
    func serializedWrite(_ write: () throws(BackupError) -> Void) throws(BackupError) {
        writeLock.lock()
        defer { writeLock.unlock() }
        try write()
    }

    private func take() -> Range<Int>? {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil, next < plan.chunkCount else { return nil }
        let batch = next..<min(plan.chunkCount, next + ChunkPlan.batchSize)
        next = batch.upperBound
        return batch
    }

    private func finished(_ count: Int) {
        lock.lock()
        completed += count
        let done = completed
        lock.unlock()
        progress?(plan.plaintextBytes(throughChunk: done), plan.plaintextBytes(throughChunk: plan.chunkCount))
    }

    private func fail(_ error: BackupError) {
        lock.lock()
        defer { lock.unlock() }
        if failure == nil { failure = error }
    }
}
