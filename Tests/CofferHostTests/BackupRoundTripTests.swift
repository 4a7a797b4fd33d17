import CofferCrypto
import CofferTestSupport
import OPAQUE
import Testing
@testable import CofferHost

@Suite struct BackupRoundTripTests {
    static let chunk = BackupFormat.plaintextChunkSize
    static let sizes = [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk + 12_345]

    let key = SecretBytes(seededBytes(32, seed: 1))

    @Test("encrypt then decrypt gives the input back", arguments: sizes, [1, 3])
    func roundTrip(size: Int, workers: Int) throws {
        let dir = TemporaryDirectory()
        let plaintext = seededBytes(size, seed: UInt64(size) + 7)
        dir.write(plaintext, to: "in")
        let options = BackupOptions(workers: workers, durable: false)
        try BackupFile.encrypt(input: dir.file("in"), output: dir.file("backup"), key: key,
                               random: SeededRandom(seed: [1]), options: options)
        try BackupFile.decrypt(input: dir.file("backup"), output: dir.file("out"), key: key, options: options)
        #expect(dir.read("out") == plaintext)
        #expect(dir.names == ["backup", "in", "out"])
    }

    @Test("the backup is the header plus each chunk and its tag", arguments: sizes)
    func layout(size: Int) throws {
        let dir = TemporaryDirectory()
        dir.write(seededBytes(size, seed: 3), to: "in")
        try BackupFile.encrypt(input: dir.file("in"), output: dir.file("backup"), key: key,
                               options: BackupOptions(durable: false))
        let backup = try #require(dir.read("backup"))
        let chunks = max(1, (size + Self.chunk - 1) / Self.chunk)
        #expect(backup.count == 84 + size + 16 * chunks)
        #expect(backup.count == BackupFormat.sealedSize(plaintextSize: size))
        #expect(Array(backup.prefix(12)) == Array("COFFERBK".utf8) + [1, 16, 0, 0])
    }

    @Test("two encryptions of one input differ (fresh salt and nonce prefix)")
    func freshHeader() throws {
        let dir = TemporaryDirectory()
        dir.write(seededBytes(100, seed: 4), to: "in")
        try BackupFile.encrypt(input: dir.file("in"), output: dir.file("a"), key: key)
        try BackupFile.encrypt(input: dir.file("in"), output: dir.file("b"), key: key)
        #expect(dir.read("a") != dir.read("b"))
    }

    @Test("durable output round trips and, when allowed, replaces an existing destination")
    func durableReplace() throws {
        let dir = TemporaryDirectory()
        dir.write(seededBytes(70_000, seed: 5), to: "in")
        dir.write([1, 2, 3], to: "out")
        try BackupFile.encrypt(input: dir.file("in"), output: dir.file("backup"), key: key)
        try BackupFile.decrypt(input: dir.file("backup"), output: dir.file("out"), key: key,
                               options: BackupOptions(replaceExisting: true))
        #expect(dir.read("out") == dir.read("in"))
    }

    @Test("progress reaches the whole size")
    func progress() throws {
        let dir = TemporaryDirectory()
        let size = 200 * Self.chunk + 5
        dir.write(seededBytes(size, seed: 6), to: "in")
        let seen = ProgressLog()
        try BackupFile.encrypt(input: dir.file("in"), output: dir.file("backup"), key: key,
                               options: BackupOptions(workers: 2, durable: false, progress: seen.record))
        #expect(seen.last == size)
    }

    @Test("a directory is refused as input, leaving nothing behind")
    func directoryRefused() {
        let dir = TemporaryDirectory()
        #expect(throws: BackupError.notARegularFile(path: dir.path)) {
            try BackupFile.encrypt(input: dir.path, output: dir.file("backup"), key: key)
        }
        #expect(dir.names.isEmpty)
    }
}

/// Collects progress reports from worker threads.
final class ProgressLog: @unchecked Sendable {
    private let lock = TestLock()
    private var done = 0

    var last: Int { lock.locked { done } }

    var record: @Sendable (Int, Int) -> Void {
        { [self] count, _ in lock.locked { done = max(done, count) } }
    }
}
