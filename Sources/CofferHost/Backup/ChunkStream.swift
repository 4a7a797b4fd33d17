import CofferCrypto
import OPAQUE

/// Seals or opens a backup's chunks read in order from a stream (a pipe, stdin, a FIFO) and
/// written in order to another (stdout, or a staged file), in constant memory: one batch of chunks
/// in, one out.
///
/// A chunk's nonce says whether it is the last, which a stream tells only by ending; so each batch
/// is processed only once at least one byte beyond it has arrived, and what remains when the stream
/// ends is the final batch, its final chunk flagged last.
struct ChunkStream {
    let direction: ChunkPlan.Direction
    let cipher: ChunkCipher

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
        let batchBytes = ChunkPlan.batchSize * inputStride
        // One batch plus one more chunk: the byte that shows the batch is not the end, and its chunk.
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: batchBytes + inputStride, alignment: 64)
        let output = UnsafeMutableRawBufferPointer.allocate(
            byteCount: (ChunkPlan.batchSize + 1) * BackupFormat.sealedChunkSize, alignment: 64)
        input.initializeMemory(as: UInt8.self, repeating: 0)
        output.initializeMemory(as: UInt8.self, repeating: 0)
        defer {
            // Plaintext was in one buffer or the other.
            input.initializeMemory(as: UInt8.self, repeating: 0)
            output.initializeMemory(as: UInt8.self, repeating: 0)
            input.deallocate()
            output.deallocate()
        }
        var filled = 0
        var index = 0
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
            var written = 0
            for chunk in 0..<chunkCount {
                let start = chunk * inputStride
                let count = min(inputStride, taken - start)
                if direction == .open && count < AESGCM.tagLength { throw .truncated }
                guard index < BackupFormat.maxChunkCount else { throw .tooLarge }
                let out = outputCount(count)
                try cipher.transform(index, last: ended && chunk == chunkCount - 1,
                                     UnsafeRawBufferPointer(rebasing: input[start..<(start + count)]),
                                     UnsafeMutableRawBufferPointer(rebasing: output[written..<(written + out)]))
                written += out
                index += 1
            }
            try sink.writeSequentially(UnsafeRawBufferPointer(rebasing: output[0..<written]))
            totals.input += taken
            totals.output += written
            progress?(direction == .seal ? totals.input : totals.output)
            if ended { return totals }
            // Keep what arrived beyond the batch for the next one.
            let rest = filled - taken
            input.baseAddress!.copyMemory(from: input.baseAddress! + taken, byteCount: rest)
            filled = rest
        }
    }
}
