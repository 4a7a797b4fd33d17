import CofferCrypto
import OPAQUE

/// What one worker thread owns: a key context, one chunk buffer, and the nonce and associated data
/// in raw memory, so sealing or opening a chunk allocates nothing.
final class ChunkWorker: @unchecked Sendable {
    /// The chunk being worked on: plaintext or ciphertext || tag, transformed in place.
    let buffer = ChunkBuffer()
    private let key: AESGCMKey
    /// STREAM nonce: prefix (7) | chunk index, big-endian u32 | 0x01 on the last chunk, else 0x00.
    private let nonce = UnsafeMutableRawBufferPointer.allocate(byteCount: AESGCM.nonceLength, alignment: 8)
    /// The file's header, every chunk's associated data.
    private let header = UnsafeMutableRawBufferPointer.allocate(byteCount: BackupFormat.headerSize, alignment: 8)

    init(fileKey: SecretBytes, header backupHeader: BackupHeader) throws(BackupError) {
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

    /// Seals the `count` plaintext bytes at the start of the buffer as chunk `index`; returns the
    /// ciphertext || tag, in the buffer.
    func seal(count: Int, index: Int, isLast: Bool) throws(BackupError) -> UnsafeRawBufferPointer {
        setNonce(index: index, isLast: isLast)
        let sealed = buffer.prefix(count + AESGCM.tagLength)
        do {
            // In place: libcrypto allows the output to be exactly the input.
            try key.seal(UnsafeRawBufferPointer(buffer.prefix(count)), nonce: UnsafeRawBufferPointer(nonce),
                         aad: UnsafeRawBufferPointer(header), into: sealed)
        } catch {
            throw .io(path: "", operation: "encrypt chunk \(index)", reason: "libcrypto failed (\(error))")
        }
        return UnsafeRawBufferPointer(sealed)
    }

    /// Opens the `count` bytes of ciphertext || tag at the start of the buffer as chunk `index`;
    /// returns the plaintext, in the buffer. A chunk that fails authentication is wiped.
    func open(count: Int, index: Int, isLast: Bool) throws(BackupError) -> UnsafeRawBufferPointer {
        setNonce(index: index, isLast: isLast)
        let plaintext = buffer.prefix(count - AESGCM.tagLength)
        do {
            try key.open(UnsafeRawBufferPointer(buffer.prefix(count)), nonce: UnsafeRawBufferPointer(nonce),
                         aad: UnsafeRawBufferPointer(header), into: plaintext)
        } catch {
            throw .chunkRejected(index: index)
        }
        return UnsafeRawBufferPointer(plaintext)
    }

    private func setNonce(index: Int, isLast: Bool) {
        precondition(index >= 0 && index < BackupFormat.maxChunkCount)
        nonce[7] = UInt8(truncatingIfNeeded: index >> 24)
        nonce[8] = UInt8(truncatingIfNeeded: index >> 16)
        nonce[9] = UInt8(truncatingIfNeeded: index >> 8)
        nonce[10] = UInt8(truncatingIfNeeded: index)
        nonce[11] = isLast ? 1 : 0
    }
}
