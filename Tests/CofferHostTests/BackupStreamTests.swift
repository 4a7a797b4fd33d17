import CofferCrypto
import CofferTestSupport
import Foundation
import OPAQUE
import Testing
@testable import CofferHost

/// Backups from and to streams (issue 10, defect 11): a FIFO in, chunks in order, the same bytes as
/// the mapped path writes; and the output rules of defect 1 (never replaced without leave, never
/// when it is not a regular file).
@Suite struct BackupStreamTests {
    static let chunk = BackupFormat.plaintextChunkSize
    static let batch = ChunkPlan.batchSize * chunk
    static let sizes = [0, 1, chunk - 1, chunk, chunk + 1, batch - 1, batch, batch + 1, 2 * batch + 7_777]

    let key = SecretBytes(seededBytes(32, seed: 21))
    let dir = TemporaryDirectory()

    /// Makes a FIFO named `name` and feeds it `bytes` from a thread of its own, in uneven pieces.
    func fifo(_ name: String, feeding bytes: [UInt8]) -> Thread {
        precondition(mkfifo(dir.file(name), 0o600) == 0, "mkfifo failed")
        // A reader that refuses the stream stops reading: the feeder then gets EPIPE, not SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let path = dir.file(name)
        let feeder = Thread {
            let fd = open(path, O_WRONLY)
            precondition(fd >= 0)
            var offset = 0
            var piece = 1
            while offset < bytes.count {
                let count = min(piece, bytes.count - offset)
                let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, count) }
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break }
                offset += written
                piece = piece * 7 % 200_003 + 1
            }
            close(fd)
        }
        feeder.start()
        return feeder
    }

    @Test("a streamed input gives the very bytes the mapped path gives, and decrypts from a stream", arguments: sizes)
    func streamMatchesMapped(size: Int) throws {
        let plaintext = seededBytes(size, seed: UInt64(size) + 3)
        dir.write(plaintext, to: "plain")
        let options = BackupOptions(durable: false)
        try BackupFile.encrypt(input: dir.file("plain"), output: dir.file("mapped"), key: key,
                               random: SeededRandom(seed: [9]), options: options)
        _ = fifo("in", feeding: plaintext)
        let summary = try BackupFile.encrypt(input: dir.file("in"), output: dir.file("streamed"), key: key,
                                             random: SeededRandom(seed: [9]), options: options)
        #expect(dir.read("streamed") == dir.read("mapped"))
        let sealedSize = BackupFormat.sealedSize(plaintextSize: size)
        #expect(summary == BackupSummary(plaintextBytes: size, backupBytes: sealedSize))

        _ = fifo("backup-in", feeding: try #require(dir.read("mapped")))
        let restored = try BackupFile.decrypt(input: dir.file("backup-in"), output: dir.file("out"), key: key,
                                              options: options)
        #expect(dir.read("out") == plaintext)
        #expect(restored == summary)
    }

    @Test("a stream sealed and opened by 1, 2 or 3 workers at once gives the bytes of the mapped path",
          arguments: [1, 2, 3])
    func streamWorkers(workers: Int) throws {
        let size = 3 * Self.batch + 5
        let plaintext = seededBytes(size, seed: 77)
        dir.write(plaintext, to: "plain")
        let options = BackupOptions(workers: workers, durable: false)
        try BackupFile.encrypt(input: dir.file("plain"), output: dir.file("mapped"), key: key,
                               random: SeededRandom(seed: [5]), options: options)
        _ = fifo("in", feeding: plaintext)
        try BackupFile.encrypt(input: dir.file("in"), output: dir.file("streamed"), key: key,
                               random: SeededRandom(seed: [5]), options: options)
        #expect(dir.read("streamed") == dir.read("mapped"))
        _ = fifo("backup-in", feeding: try #require(dir.read("mapped")))
        try BackupFile.decrypt(input: dir.file("backup-in"), output: dir.file("out"), key: key, options: options)
        #expect(dir.read("out") == plaintext)
    }

    @Test("a stream widens its pipes to 1 MiB (64 KiB would wake the other side 32 times a batch)")
    func pipesWidened() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { ends.forEach { close($0) } }
        let getPipeSize: Int32 = 1032  // F_GETPIPE_SZ
        #expect(fcntl(ends[0], getPipeSize) == 65536)
        ChunkStream.widenPipe(OpenFile(descriptor: ends[1], path: "pipe", owned: false))
        #expect(fcntl(ends[0], getPipeSize) == ChunkStream.pipeBufferBytes)
        // A regular file is left alone (and fcntl would refuse it anyway).
        dir.write([1], to: "regular")
        ChunkStream.widenPipe(try OpenFile(path: dir.file("regular"), flags: O_RDONLY))
    }

    @Test("a streamed backup cut anywhere, or with a byte flipped, is refused and leaves nothing",
          arguments: [1, 16, chunk, chunk + 16, chunk + 17, 40 * (chunk + 16)])
    func streamedDamageRefused(cut: Int) throws {
        dir.write(seededBytes(45 * Self.chunk + 99, seed: 4), to: "plain")
        try BackupFile.encrypt(input: dir.file("plain"), output: dir.file("backup"), key: key,
                               options: BackupOptions(durable: false))
        let backup = try #require(dir.read("backup"))
        var flipped = backup
        flipped[BackupFormat.headerSize + cut] ^= 0x40
        for damaged in [Array(backup.dropLast(cut)), flipped] {
            _ = fifo("in", feeding: damaged)
            #expect(throws: BackupError.self) {
                try BackupFile.decrypt(input: dir.file("in"), output: dir.file("out"), key: key,
                                       options: BackupOptions(durable: false))
            }
            try dir.remove("in")
            #expect(dir.names == ["backup", "plain"])
        }
    }

    @Test("an existing output is kept unless replacing is allowed")
    func existingOutputKept() throws {
        dir.write(seededBytes(1000, seed: 5), to: "plain")
        dir.write([7, 7, 7], to: "backup")
        #expect(throws: BackupError.outputExists(path: dir.file("backup"))) {
            try BackupFile.encrypt(input: dir.file("plain"), output: dir.file("backup"), key: key)
        }
        #expect(dir.read("backup") == [7, 7, 7])
        #expect(dir.names == ["backup", "plain"])
        try BackupFile.encrypt(input: dir.file("plain"), output: dir.file("backup"), key: key,
                               options: BackupOptions(replaceExisting: true))
        #expect(dir.read("backup")?.count == BackupFormat.sealedSize(plaintextSize: 1000))
    }

    @Test("a symbolic link or a device at the output is never replaced, even when replacing is allowed")
    func nonRegularOutputKept() throws {
        dir.write(seededBytes(1000, seed: 6), to: "plain")
        dir.write([1], to: "target")
        #expect(symlink(dir.file("target"), dir.file("link")) == 0)
        for replace in [false, true] {
            #expect(throws: BackupError.outputNotRegular(path: dir.file("link"), kind: .symbolicLink)) {
                try BackupFile.encrypt(input: dir.file("plain"), output: dir.file("link"), key: key,
                                       options: BackupOptions(replaceExisting: replace))
            }
            #expect(throws: BackupError.outputNotRegular(path: "/dev/null", kind: .characterDevice)) {
                try BackupFile.encrypt(input: dir.file("plain"), output: "/dev/null", key: key,
                                       options: BackupOptions(replaceExisting: replace))
            }
        }
        #expect(dir.read("target") == [1])
        #expect(dir.names == ["link", "plain", "target"])
    }

    @Test("an input cut short while it is mapped is a clean error, not SIGBUS, and leaves nothing")
    func inputTruncatedWhileMapped() throws {
        let size = 4 * Self.batch
        dir.write(seededBytes(size, seed: 8), to: "plain")
        let path = dir.file("plain")
        let cut = OnceFlag()
        // After the first batch, another program cuts the file: the next batches map pages past its end.
        let options = BackupOptions(workers: 1, durable: false) { _, _ in
            if cut.first() { precondition(truncate(path, off_t(Self.batch + 5)) == 0) }
        }
        #expect(throws: BackupError.inputChanged(path: path)) {
            try BackupFile.encrypt(input: path, output: dir.file("backup"), key: key, options: options)
        }
        #expect(dir.names == ["plain"])
    }
}

/// True the first time only, from any thread.
final class OnceFlag: @unchecked Sendable {
    private let lock = TestLock()
    private var taken = false

    func first() -> Bool {
        lock.locked {
            defer { taken = true }
            return !taken
        }
    }
}
