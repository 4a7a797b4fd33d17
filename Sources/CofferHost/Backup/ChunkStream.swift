import CofferCrypto
import Foundation
import OPAQUE

/// Seals or opens a backup's chunks read in order from a stream (a pipe, stdin, a FIFO) and
/// written in order to another (stdout, or a staged file), in constant memory: one batch of chunks
/// in, two out.
///
/// A chunk's nonce says whether it is the last, which a stream tells only by ending; so each batch
/// is processed only once at least one byte beyond it has arrived, and what remains when the stream
/// ends is the final batch, its final chunk flagged last.
///
/// A stream keeps up with a file read by position (`make bench`: pipe ÷ file): a batch's chunks are
/// sealed or opened by every cipher at once (one per worker thread), and a finished batch is written
/// by a thread of its own (`BatchWriter`) while the next one is read and processed. A batch is still
/// written only after every chunk in it has verified.
struct ChunkStream {
    let direction: ChunkPlan.Direction
    /// One per thread that seals or opens chunks; at least one.
    let ciphers: [ChunkCipher]

    /// Bytes of input per chunk (every chunk but the last).
    private var inputStride: Int {
        direction == .seal ? BackupFormat.plaintextChunkSize : BackupFormat.sealedChunkSize
    }

    /// Output bytes of a chunk of `count` input bytes.
    private func outputCount(_ count: Int) -> Int {
        direction == .seal ? count + AESGCM.tagLength : count - AESGCM.tagLength
    }

    /// Runs the stream to its end; returns (input bytes, output bytes) of the chunks.
    func run(from source: OpenFile, to sink: OpenFile, progress: ((Int) -> Void)?) throws(BackupError)
        -> (input: Int, output: Int)
    {
        precondition(!ciphers.isEmpty, "a stream needs a cipher")
        Self.widenPipe(source)
        Self.widenPipe(sink)
        let batchBytes = ChunkPlan.batchSize * inputStride
        let outputBytes = (ChunkPlan.batchSize + 1) * BackupFormat.sealedChunkSize
        // One batch plus one more chunk: the byte that shows the batch is not the end, and its chunk.
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: batchBytes + inputStride, alignment: 64)
        // Two: the writer thread writes one while the next batch is processed into the other.
        let outputs = [
            UnsafeMutableRawBufferPointer.allocate(byteCount: outputBytes, alignment: 64),
            UnsafeMutableRawBufferPointer.allocate(byteCount: outputBytes, alignment: 64),
        ]
        input.initializeMemory(as: UInt8.self, repeating: 0)
        for output in outputs { output.initializeMemory(as: UInt8.self, repeating: 0) }
        let writer = BatchWriter(sink: sink)
        defer {
            // The writer is done with the buffers before they go; plaintext was in one or another.
            writer.stop()
            for buffer in [input] + outputs {
                buffer.initializeMemory(as: UInt8.self, repeating: 0)
                buffer.deallocate()
            }
        }
        let batch = ChunkBatch(direction: direction, ciphers: ciphers, inputStride: inputStride)
        var filled = 0
        var index = 0
        var turn = 0
        var totals = (input: 0, output: 0)
        while true {
            var ended = false
            while filled <= batchBytes {
                let got = try source.readSequentially(into: UnsafeMutableRawBufferPointer(rebasing: input[filled...]))
                if got == 0 {
                    ended = true
                    break
                }
                filled += got
            }
            // Not at the end: the batch's chunks are full and none is last. At the end: all that is left.
            let chunkCount = ended ? max(1, (filled + inputStride - 1) / inputStride) : ChunkPlan.batchSize
            let taken = ended ? filled : batchBytes
            let lastCount = taken - (chunkCount - 1) * inputStride
            if direction == .open && lastCount < AESGCM.tagLength { throw .truncated }
            guard index + chunkCount <= BackupFormat.maxChunkCount else { throw .tooLarge }
            let output = outputs[turn]
            try batch.transform(
                first: index, count: chunkCount, endsStream: ended, input: UnsafeRawBufferPointer(input),
                inputBytes: taken, output: output)
            let written = (chunkCount - 1) * outputCount(inputStride) + outputCount(lastCount)
            try writer.submit(UnsafeRawBufferPointer(rebasing: output[0..<written]))
            index += chunkCount
            turn = 1 - turn
            totals.input += taken
            totals.output += written
            progress?(direction == .seal ? totals.input : totals.output)
            if ended {
                try writer.finish()
                return totals
            }
            // Keep what arrived beyond the batch for the next one.
            let rest = filled - taken
            input.baseAddress!.copyMemory(from: input.baseAddress! + taken, byteCount: rest)
            filled = rest
        }
    }
}

extension ChunkStream {
    /// The pipe buffer a stream asks for: 1 MiB, the most an unprivileged process gets by default
    /// (/proc/sys/fs/pipe-max-size).
    static let pipeBufferBytes: Int32 = 1 << 20

    /// Widens `file`'s pipe buffer to `pipeBufferBytes` when it is a pipe (Linux's F_SETPIPE_SZ; a
    /// refusal, or any other kind of file, leaves it as it is). A default pipe holds 64 KiB, so
    /// each side would wake the other 32 times per batch of 2 MiB; with 1 MiB, twice.
    static func widenPipe(_ file: OpenFile) {
        #if os(Linux)
        var info = stat()
        guard fstat(file.descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFIFO else { return }
        let setPipeSize: Int32 = 1031  // F_SETPIPE_SZ, which Glibc's Swift module does not export
        _ = fcntl(file.descriptor, setPipeSize, pipeBufferBytes)
        #endif
    }
}

/// One batch of a stream's chunks, sealed or opened by every cipher at once: cipher `w` takes
/// chunks `w`, `w + n`, `w + 2n`, ... Each chunk has its own nonce and its own place in the output.
private final class ChunkBatch: @unchecked Sendable {
    private let direction: ChunkPlan.Direction
    private let ciphers: [ChunkCipher]
    private let inputStride: Int
    private let lock = NSLock()
    private var failure: BackupError?
    /// The batch being transformed; the worker threads only read it.
    private var job: Job?

    private struct Job {
        let first: Int
        let count: Int
        let endsStream: Bool
        let input: UnsafeRawBufferPointer
        let inputBytes: Int
        let output: UnsafeMutableRawBufferPointer
        let threads: Int
    }

    init(direction: ChunkPlan.Direction, ciphers: [ChunkCipher], inputStride: Int) {
        self.direction = direction
        self.ciphers = ciphers
        self.inputStride = inputStride
    }

    /// Transforms chunks `first..<first + count` from the first `inputBytes` of `input` into
    /// `output`; the last of them is flagged last when `endsStream`. Throws the first failure.
    func transform(
        first: Int, count: Int, endsStream: Bool, input: UnsafeRawBufferPointer, inputBytes: Int,
        output: UnsafeMutableRawBufferPointer
    ) throws(BackupError) {
        let threads = min(ciphers.count, count)
        failure = nil
        job = Job(first: first, count: count, endsStream: endsStream, input: input, inputBytes: inputBytes,
                  output: output, threads: threads)
        if threads == 1 {
            work(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: threads) { self.work($0) }
        }
        job = nil
        if let failure { throw failure }
    }

    /// Cipher `worker`'s share of the job: chunks `worker`, `worker + threads`, ...
    private func work(_ worker: Int) {
        guard let job else { return }
        let tag = AESGCM.tagLength
        let outputStride = direction == .seal ? inputStride + tag : inputStride - tag
        for chunk in stride(from: worker, to: job.count, by: job.threads) {
            let start = chunk * inputStride
            let size = min(inputStride, job.inputBytes - start)
            let out = direction == .seal ? size + tag : size - tag
            let at = chunk * outputStride
            do throws(BackupError) {
                try ciphers[worker].transform(
                    job.first + chunk, last: job.endsStream && chunk == job.count - 1,
                    UnsafeRawBufferPointer(rebasing: job.input[start..<(start + size)]),
                    UnsafeMutableRawBufferPointer(rebasing: job.output[at..<(at + out)]))
            } catch {
                fail(error)
                return
            }
        }
    }

    private func fail(_ error: BackupError) {
        lock.lock()
        defer { lock.unlock() }
        if failure == nil { failure = error }
    }
}

/// Writes a stream's batches on a thread of its own, one at a time and in order, so the next batch
/// is read and processed meanwhile. A failed write stops the stream at the next `submit`.
private final class BatchWriter: @unchecked Sendable {
    private let sink: OpenFile
    private let condition = NSCondition()
    private var pending: UnsafeRawBufferPointer?
    private var stopping = false
    private var exited = false
    private var failure: BackupError?

    init(sink: OpenFile) {
        self.sink = sink
        Thread { self.loop() }.start()
    }

    /// Hands `bytes` to the writer once it has written the previous batch (whose buffer the caller
    /// may then reuse); throws the failure of any earlier write.
    func submit(_ bytes: UnsafeRawBufferPointer) throws(BackupError) {
        condition.lock()
        defer { condition.unlock() }
        while pending != nil { condition.wait() }
        if let failure { throw failure }
        pending = bytes
        condition.broadcast()
    }

    /// Waits until every batch is written; throws the first failure.
    func finish() throws(BackupError) {
        condition.lock()
        defer { condition.unlock() }
        while pending != nil { condition.wait() }
        if let failure { throw failure }
    }

    /// Lets the thread end once it has written what it holds, and waits for it.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        condition.broadcast()
        while !exited { condition.wait() }
    }

    private func loop() {
        condition.lock()
        while true {
            while pending == nil && !stopping { condition.wait() }
            guard let bytes = pending else { break }
            condition.unlock()
            var outcome: BackupError?
            do throws(BackupError) {
                try sink.writeSequentially(bytes)
            } catch {
                outcome = error
            }
            condition.lock()
            if failure == nil { failure = outcome }
            pending = nil
            condition.broadcast()
        }
        exited = true
        condition.broadcast()
        condition.unlock()
    }
}
