// libcrypto's RAND_bytes behind SystemRandom.

internal import COpenSSL

/// Fills a buffer from RAND_bytes, in pieces that fit its `int` length.
func systemRandomFill(_ buffer: UnsafeMutableRawBufferPointer) {
    var offset = 0
    while offset < buffer.count {
        let piece = min(buffer.count - offset, 1 << 20)
        let start = buffer.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self)
        guard RAND_bytes(start, Int32(piece)) == 1 else { fatalError("RAND_bytes failed: no entropy available") }
        offset += piece
    }
}
