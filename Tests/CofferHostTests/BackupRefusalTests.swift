import CofferCrypto
import CofferTestSupport
import OPAQUE
import Testing
@testable import CofferHost

/// Every way a backup can be damaged is refused, and a refusal leaves nothing at the destination
/// (nor any temporary file beside it).
@Suite struct BackupRefusalTests {
    static let header = BackupFormat.headerSize
    static let sealed = BackupFormat.sealedChunkSize
    static let chunk = BackupFormat.plaintextChunkSize

    let key = SecretBytes(seededBytes(32, seed: 11))
    let dir = TemporaryDirectory()

    /// A backup of four chunks (three full and a short last one).
    func backup(named name: String = "backup", seed: UInt64 = 12) throws -> [UInt8] {
        dir.write(seededBytes(3 * Self.chunk + 1000, seed: seed), to: name + ".plain")
        try BackupFile.encrypt(input: dir.file(name + ".plain"), output: dir.file(name), key: key,
                               options: BackupOptions(durable: false))
        return try #require(dir.read(name))
    }

    /// Decrypts `bytes` and returns the refusal; checks that no output and no temporary file remain.
    func refusal(of bytes: [UInt8], key: SecretBytes? = nil, workers: Int = 1) -> BackupError? {
        dir.write(bytes, to: "damaged")
        let before = dir.names
        defer { #expect(dir.names == before, "a refused backup leaves no file behind") }
        do {
            try BackupFile.decrypt(input: dir.file("damaged"), output: dir.file("restored"), key: key ?? self.key,
                                   options: BackupOptions(workers: workers, durable: false))
            return nil
        } catch {
            return error
        }
    }

    func chunkRange(_ index: Int, in bytes: [UInt8]) -> Range<Int> {
        let start = Self.header + index * Self.sealed
        return start..<min(bytes.count, start + Self.sealed)
    }

    @Test("the intact backup opens (the twin of every refusal below)")
    func intact() throws {
        _ = try backup()
        try BackupFile.decrypt(input: dir.file("backup"), output: dir.file("ok"), key: key)
        #expect(dir.read("ok") == dir.read("backup.plain"))
    }

    @Test("a file cut anywhere is refused",
          arguments: [0, 5, 40, 83, 84, 84 + 15, 84 + 65_552, 84 + 2 * 65_552, 84 + 3 * 65_552, -1])
    func truncated(length: Int) throws {
        let bytes = try backup()
        let cut = length < 0 ? bytes.count - 1 : length
        let error = try #require(refusal(of: Array(bytes.prefix(cut))))
        #expect(error.exitStatus == .dataError)
    }

    @Test("a file cut at a chunk boundary is refused by the last-chunk flag")
    func truncatedAtBoundary() throws {
        let bytes = try backup()
        #expect(refusal(of: Array(bytes.prefix(Self.header + 3 * Self.sealed))) == .chunkRejected(index: 2))
    }

    @Test("swapped chunks are refused", arguments: [1, 3])
    func reordered(workers: Int) throws {
        var bytes = try backup()
        let first = chunkRange(0, in: bytes)
        let second = chunkRange(1, in: bytes)
        let saved = Array(bytes[first])
        bytes.replaceSubrange(first, with: bytes[second])
        bytes.replaceSubrange(second, with: saved)
        let error = refusal(of: bytes, workers: workers)
        #expect(error == .chunkRejected(index: 0) || error == .chunkRejected(index: 1))
    }

    @Test("a chunk spliced in from another backup under the same key is refused")
    func splicedChunk() throws {
        var bytes = try backup()
        let other = try backup(named: "other", seed: 13)
        bytes.replaceSubrange(chunkRange(1, in: bytes), with: other[chunkRange(1, in: other)])
        #expect(refusal(of: bytes) == .chunkRejected(index: 1))
    }

    @Test("another backup's header on these chunks is refused")
    func splicedHeader() throws {
        var bytes = try backup()
        let other = try backup(named: "other", seed: 13)
        bytes.replaceSubrange(0..<Self.header, with: other[0..<Self.header])
        #expect(refusal(of: bytes) == .chunkRejected(index: 0))
    }

    @Test("a chunk appended from the same file is refused")
    func duplicatedChunk() throws {
        let bytes = try backup()
        #expect(refusal(of: bytes + bytes[chunkRange(0, in: bytes)]) != nil)
    }

    @Test("the wrong key is refused before any chunk")
    func wrongKey() throws {
        let bytes = try backup()
        #expect(refusal(of: bytes, key: SecretBytes(seededBytes(32, seed: 99))) == .wrongKey)
    }

    @Test("a flipped bit anywhere is refused",
          arguments: [0, 8, 9, 10, 12, 43, 44, 50, 51, 52, 83, 84, 100, 84 + 65_535, 84 + 65_536, 84 + 65_551,
                      84 + 65_552 + 7, 84 + 3 * 65_552 + 999, -1])
    func flippedBit(offset: Int) throws {
        var bytes = try backup()
        let at = offset < 0 ? bytes.count - 1 : offset
        bytes[at] ^= 0x04
        #expect(refusal(of: bytes)?.exitStatus == .dataError)
    }

    @Test("a later version and foreign files are refused with their own reason")
    func headerFields() throws {
        var bytes = try backup()
        bytes[8] = 2
        #expect(refusal(of: bytes) == .unsupportedVersion(2))
        #expect(refusal(of: Array("hello, world, this is not a backup file at all".utf8))
            == .notABackup(path: dir.file("damaged")))
    }
}
