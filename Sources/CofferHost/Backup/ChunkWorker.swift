#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CofferCrypto
import OPAQUE

/// What one worker thread owns: a key context keyed once, an output buffer for a batch of chunks,
/// and the nonce and associated data in raw memory, so a chunk costs no allocation.
///
/// A batch's input is mapped from the page cache rather than copied out of it, each chunk is
/// sealed or opened straight from the mapping into the output buffer, and the batch is written
/// with one call, only after every chunk in it has verified.
final class ChunkWorker: @unchecked Sendable {
    private let plan: ChunkPlan
    private let key: AESGCMKey
    private let output: UnsafeMutableRawBufferPointer
    /// STREAM nonce: prefix (7) | chunk index, big-endian u32 | 0x01 on the last chunk, else 0x00.
    private let nonce = UnsafeMutableRawBufferPointer.allocate(byteCount: AESGCM.nonceLength, alignment: 8)
    /// The file's header, every chunk's associated data.
    private let header = UnsafeMutableRawBufferPointer.allocate(byteCount: BackupFormat.headerSize, alignment: 8)

    init(plan: ChunkPlan, fileKey: SecretBytes, header backupHeader: BackupHeader) throws(BackupError) {
        self.plan = plan
        do {
            key = try AESGCMKey(fileKey)
        } catch {
            throw .io(path: "", operation: "prepare the file key", reason: "libcrypto failed (\(error))")
        }
        output = UnsafeMutableRawBufferPointer.allocate(
            byteCount: ChunkPlan.batchSize * BackupFormat.sealedChunkSize, alignment: 64)
        output.initializeMemory(as: UInt8.self, repeating: 0)
        nonce.initializeMemory(as: UInt8.self, repeating: 0)
        for (offset, byte) in backupHeader.noncePrefix.enumerated() { nonce[offset] = byte }
        backupHeader.bytes.withUnsafeBytes { header.copyMemory(from: $0) }
    }

    deinit {
        // The buffer held plaintext on one side or the other.
        output.initializeMemory(as: UInt8.self, repeating: 0)
        output.deallocate()
        nonce.deallocate()
        header.deallocate()
    }

    /// Seals or opens chunks `batch` of `source` and writes them to `sink`.
    func process(_ batch: Range<Int>, from source: OpenFile, to sink: OpenFile, scheduler: ChunkScheduler)
        throws(BackupError)
    {
        let last = batch.upperBound - 1
        let start = plan.inputOffset(batch.lowerBound)
        let end = plan.inputOffset(last) + plan.inputCount(last)
        let window = try MappedWindow(source, offset: start, count: end - start)
        var written = 0
        for index in batch {
            let input = window.bytes(at: plan.inputOffset(index) - start, count: plan.inputCount(index))
            let count = plan.outputCount(index)
            try transform(index, input, UnsafeMutableRawBufferPointer(rebasing: output[written..<(written + count)]))
            written += count
        }
        let bytes = UnsafeRawBufferPointer(rebasing: output[0..<written])
        let offset = plan.outputOffset(batch.lowerBound)
        try scheduler.serializedWrite { () throws(BackupError) in try sink.write(bytes, at: offset) }
    }

    private func transform(_ index: Int, _ input: UnsafeRawBufferPointer, _ into: UnsafeMutableRawBufferPointer)
        throws(BackupError)
    {
        precondition(index >= 0 && index < BackupFormat.maxChunkCount)
        nonce[7] = UInt8(truncatingIfNeeded: index >> 24)
        nonce[8] = UInt8(truncatingIfNeeded: index >> 16)
        nonce[9] = UInt8(truncatingIfNeeded: index >> 8)
        nonce[10] = UInt8(truncatingIfNeeded: index)
        nonce[11] = index == plan.chunkCount - 1 ? 1 : 0
        let nonce = UnsafeRawBufferPointer(self.nonce)
        let aad = UnsafeRawBufferPointer(header)
        switch plan.direction {
        case .seal:
            do {
                try key.seal(input, nonce: nonce, aad: aad, into: into)
            } catch {
                throw .io(path: "", operation: "encrypt chunk \(index)", reason: "libcrypto failed (\(error))")
            }
        case .open:
            do {
                // On failure the output is wiped before the error comes back.
                try key.open(input, nonce: nonce, aad: aad, into: into)
            } catch {
                throw .chunkRejected(index: index)
            }
        }
    }
}

/// A read-only mapping of part of a file, unmapped on deinit: the page cache's pages themselves,
/// with no copy. Mapped a batch at a time, so the process's resident size stays small.
final class MappedWindow {
    private let base: UnsafeMutableRawPointer?
    private let mappedLength: Int
    private let delta: Int
    let count: Int

    init(_ file: OpenFile, offset: Int, count: Int) throws(BackupError) {
        self.count = count
        guard count > 0 else {
            base = nil
            mappedLength = 0
            delta = 0
            return
        }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let aligned = offset - offset % page
        delta = offset - aligned
        mappedLength = count + delta
        let address = mmap(nil, mappedLength, PROT_READ, MAP_PRIVATE | MAP_POPULATE, file.descriptor, off_t(aligned))
        guard let address, address != MAP_FAILED else {
            throw .io(path: file.path, operation: "map", reason: OpenFile.reason())
        }
        base = address
    }

    deinit {
        if let base { munmap(base, mappedLength) }
    }

    /// `count` bytes at `offset` within the window.
    func bytes(at offset: Int, count: Int) -> UnsafeRawBufferPointer {
        precondition(offset >= 0 && offset + count <= self.count)
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + delta + offset, count: count)
    }
}
