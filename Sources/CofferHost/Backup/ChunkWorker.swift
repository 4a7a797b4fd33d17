#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CofferCrypto
import Foundation
import OPAQUE

/// A key context keyed once, and the nonce and associated data in raw memory, so that sealing or
/// opening a chunk costs a nonce update and allocates nothing. One per thread.
final class ChunkCipher {
    let direction: ChunkPlan.Direction
    private let key: AESGCMKey
    /// STREAM nonce: prefix (7) | chunk index, big-endian u32 | 0x01 on the last chunk, else 0x00.
    private let nonce = UnsafeMutableRawBufferPointer.allocate(byteCount: AESGCM.nonceLength, alignment: 8)
    /// The file's header, every chunk's associated data.
    private let header = UnsafeMutableRawBufferPointer.allocate(byteCount: BackupFormat.headerSize, alignment: 8)

    init(direction: ChunkPlan.Direction, fileKey: SecretBytes, header backupHeader: BackupHeader) throws(BackupError) {
        self.direction = direction
        do {
            key = try AESGCMKey(fileKey)
        } catch {
            throw .io(path: "", operation: "prepare the file key", reason: "libcrypto failed (\(error))")
        }
        nonce.initializeMemory(as: UInt8.self, repeating: 0)
        for (offset, byte) in backupHeader.noncePrefix.enumerated() { nonce[offset] = byte }
        backupHeader.bytes.withUnsafeBytes { header.copyMemory(from: $0) }
    }

    deinit {
        nonce.deallocate()
        header.deallocate()
    }

    /// Seals or opens chunk `index` (`last` when it is the file's final chunk) from `input` into `into`,
    /// which is 16 bytes longer (seal) or shorter (open) than `input`.
    func transform(_ index: Int, last: Bool, _ input: UnsafeRawBufferPointer, _ into: UnsafeMutableRawBufferPointer)
        throws(BackupError)
    {
        precondition(index >= 0 && index < BackupFormat.maxChunkCount)
        nonce[7] = UInt8(truncatingIfNeeded: index >> 24)
        nonce[8] = UInt8(truncatingIfNeeded: index >> 16)
        nonce[9] = UInt8(truncatingIfNeeded: index >> 8)
        nonce[10] = UInt8(truncatingIfNeeded: index)
        nonce[11] = last ? 1 : 0
        let nonce = UnsafeRawBufferPointer(self.nonce)
        let aad = UnsafeRawBufferPointer(header)
        switch direction {
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

/// What one worker thread owns: a chunk cipher and an output buffer for a batch of chunks.
///
/// A batch's input is mapped from the page cache rather than copied out of it, each chunk is
/// sealed or opened straight from the mapping into the output buffer, and the batch is written
/// with one call, only after every chunk in it has verified.
final class ChunkWorker: @unchecked Sendable {
    private let plan: ChunkPlan
    private let cipher: ChunkCipher
    private let output: UnsafeMutableRawBufferPointer

    init(plan: ChunkPlan, fileKey: SecretBytes, header backupHeader: BackupHeader) throws(BackupError) {
        self.plan = plan
        cipher = try ChunkCipher(direction: plan.direction, fileKey: fileKey, header: backupHeader)
        output = UnsafeMutableRawBufferPointer.allocate(
            byteCount: ChunkPlan.batchSize * BackupFormat.sealedChunkSize, alignment: 64)
        output.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        // The buffer held plaintext on one side or the other.
        output.initializeMemory(as: UInt8.self, repeating: 0)
        output.deallocate()
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
            try cipher.transform(index, last: index == plan.chunkCount - 1, input,
                                 UnsafeMutableRawBufferPointer(rebasing: output[written..<(written + count)]))
            written += count
        }
        // A file cut short under the mapping reads as zeros (see MappedWindow): never write those.
        guard !window.lostPages else { throw .inputChanged(path: source.path) }
        let bytes = UnsafeRawBufferPointer(rebasing: output[0..<written])
        let offset = plan.outputOffset(batch.lowerBound)
        try scheduler.serializedWrite { () throws(BackupError) in try sink.write(bytes, at: offset) }
    }
}

/// A read-only mapping of part of a file, unmapped on deinit: the page cache's pages themselves,
/// with no copy. Mapped a batch at a time, so the process's resident size stays small.
///
/// Another program may truncate the file while it is mapped; touching a page past the new end then
/// raises SIGBUS, which would kill the process. `MappedInputGuard` catches that fault for pages of a
/// live window, puts a zero page there so the read completes, and marks the window `lostPages`:
/// its contents must not be used, and the backup fails cleanly instead.
final class MappedWindow {
    private let base: UnsafeMutableRawPointer?
    private let mappedLength: Int
    private let delta: Int
    private let slot: Int
    let count: Int

    init(_ file: OpenFile, offset: Int, count: Int) throws(BackupError) {
        self.count = count
        guard count > 0 else {
            base = nil
            mappedLength = 0
            delta = 0
            slot = -1
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
        slot = MappedInputGuard.watch(address, length: mappedLength)
    }

    deinit {
        if let base {
            MappedInputGuard.unwatch(slot)
            munmap(base, mappedLength)
        }
    }

    /// True when the file was cut short under the mapping: some bytes read as zeros, not the file's.
    var lostPages: Bool { slot >= 0 && MappedInputGuard.lost(slot) }

    /// `count` bytes at `offset` within the window.
    func bytes(at offset: Int, count: Int) -> UnsafeRawBufferPointer {
        precondition(offset >= 0 && offset + count <= self.count)
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + delta + offset, count: count)
    }
}

/// The SIGBUS handler behind `MappedWindow`: a fixed table of live windows (start, length, lost),
/// read by the handler without locks, since only word-sized values are read there and a window
/// is unwatched before it is unmapped. A fault outside every window gets the default action.
enum MappedInputGuard {
    static let capacity = 64
    /// Per slot: start address, length (0 = free), lost flag.
    nonisolated(unsafe) private static let table: UnsafeMutablePointer<Int> = {
        let table = UnsafeMutablePointer<Int>.allocate(capacity: 3 * capacity)
        table.initialize(repeating: 0, count: 3 * capacity)
        return table
    }()
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed = false

    /// Watches a mapping; returns its slot, or -1 when the table is full (the window is then unguarded).
    static func watch(_ base: UnsafeMutableRawPointer, length: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        if !installed {
            install()
            installed = true
        }
        for slot in 0..<capacity where table[3 * slot + 1] == 0 {
            table[3 * slot] = Int(bitPattern: base)
            table[3 * slot + 2] = 0
            table[3 * slot + 1] = length
            return slot
        }
        return -1
    }

    static func unwatch(_ slot: Int) {
        guard slot >= 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        table[3 * slot + 1] = 0
    }

    static func lost(_ slot: Int) -> Bool {
        table[3 * slot + 2] != 0
    }

    /// Read in the handler, where sysconf is not on the async-signal-safe list.
    nonisolated(unsafe) private static var pageSize = 4096

    private static func install() {
        pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = { _, info, _ in
            let address = Int(bitPattern: info?.pointee._sifields._sigfault.si_addr)
            let table = MappedInputGuard.table
            for slot in 0..<MappedInputGuard.capacity {
                let start = table[3 * slot]
                let length = table[3 * slot + 1]
                guard length > 0, address >= start, address < start + length else { continue }
                let page = MappedInputGuard.pageSize
                let pageStart = UnsafeMutableRawPointer(bitPattern: address - address % page)
                // mmap is async-signal-safe; the zero page lets the faulting read complete.
                _ = mmap(pageStart, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
                table[3 * slot + 2] = 1
                return
            }
            // Not ours: let the fault happen again with the default action.
            signal(SIGBUS, SIG_DFL)
        }
        action.sa_flags = SA_SIGINFO | SA_NODEFER
        _ = sigaction(SIGBUS, &action, nil)
    }
}
