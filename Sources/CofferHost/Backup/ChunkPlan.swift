import CofferCrypto

/// Where each chunk lies in the input and in the output, for one direction of the backup format.
///
/// Chunks sit at fixed strides in both files (every chunk but the last is full), so any chunk's
/// place is known without reading the others: that is what lets workers take chunks in any order.
struct ChunkPlan: Sendable {
    /// Which way the bytes go.
    enum Direction: Sendable {
        /// Plaintext in, chunks of ciphertext || tag out.
        case seal
        /// Chunks of ciphertext || tag in, plaintext out.
        case open
    }

    let direction: Direction
    let chunkCount: Int
    /// Input bytes of the last chunk (the others are full).
    let lastInputCount: Int

    /// Chunks handed to a worker at once: one mapping, one write per batch.
    static let batchSize = 32

    /// The plan for sealing `plaintextSize` bytes.
    static func sealing(plaintextSize: Int) -> ChunkPlan {
        let count = BackupFormat.chunkCount(plaintextSize: plaintextSize)
        return ChunkPlan(direction: .seal, chunkCount: count,
                         lastInputCount: plaintextSize - (count - 1) * BackupFormat.plaintextChunkSize)
    }

    /// The plan for opening a backup whose chunks take `bodySize` bytes after the header; nil when
    /// the last chunk would be too short to hold its tag.
    static func opening(bodySize: Int) -> ChunkPlan? {
        let count = max(1, (bodySize + BackupFormat.sealedChunkSize - 1) / BackupFormat.sealedChunkSize)
        let last = bodySize - (count - 1) * BackupFormat.sealedChunkSize
        guard last >= AESGCM.tagLength else { return nil }
        return ChunkPlan(direction: .open, chunkCount: count, lastInputCount: last)
    }

    private var sealed: (stride: Int, base: Int) { (BackupFormat.sealedChunkSize, BackupFormat.headerSize) }
    private var plain: (stride: Int, base: Int) { (BackupFormat.plaintextChunkSize, 0) }

    /// Distance between chunk starts in the input.
    var inputStride: Int { direction == .seal ? plain.stride : sealed.stride }
    /// Distance between chunk starts in the output.
    var outputStride: Int { direction == .seal ? sealed.stride : plain.stride }

    /// Where chunk `index` starts in the input.
    func inputOffset(_ index: Int) -> Int {
        (direction == .seal ? plain.base : sealed.base) + index * inputStride
    }

    /// Where chunk `index` starts in the output.
    func outputOffset(_ index: Int) -> Int {
        (direction == .seal ? sealed.base : plain.base) + index * outputStride
    }

    /// Input bytes of chunk `index`.
    func inputCount(_ index: Int) -> Int {
        index == chunkCount - 1 ? lastInputCount : inputStride
    }

    /// Output bytes of chunk `index`: the tag added or removed.
    func outputCount(_ index: Int) -> Int {
        inputCount(index) + (direction == .seal ? AESGCM.tagLength : -AESGCM.tagLength)
    }

    /// Plaintext bytes in chunks `0..<count`, for progress.
    func plaintextBytes(throughChunk count: Int) -> Int {
        let plainPerChunk = BackupFormat.plaintextChunkSize
        guard count >= chunkCount else { return count * plainPerChunk }
        let lastPlain = direction == .seal ? lastInputCount : lastInputCount - AESGCM.tagLength
        return (chunkCount - 1) * plainPerChunk + lastPlain
    }
}
