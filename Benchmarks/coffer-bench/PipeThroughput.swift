import CofferCrypto
import CofferHost
import Foundation

/// `cofferctl backup encrypt|decrypt` from a pipe to a pipe against the same command from a file to
/// a file (read by position, in parallel chunks), both run as the release-built `cofferctl` beside
/// this benchmark on the same input in the same run, wall time, best of `runs` alternating runs. The ratio
/// pipe ÷ file has the target 0.8 (issue 10: streaming costs at most a fifth of the throughput).
/// The input pipe is fed from the page cache by sendfile(2) and the output pipe drained by read(2)
/// into one buffer, so the harness costs little beside cofferctl.
struct PipeThroughput {
    let size: Int
    let runs = 3

    func run() throws -> [Measurement] {
        let cofferctl = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("cofferctl").path
        let directory = NSTemporaryDirectory() + "/coffer-bench-pipe-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plain = directory + "/plain", sealed = directory + "/sealed", restored = directory + "/restored"
        let keyFile = directory + "/key"
        try BackupKey.write(BackupKey.generate(), to: keyFile)
        let block = SeededRandom(seed: Array("coffer-bench/pipe-input".utf8)).bytes(1 << 20)
        guard FileManager.default.createFile(atPath: plain, contents: nil) else { throw BenchFailure("no \(plain)") }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: plain))
        for _ in 0..<(size >> 20) { try handle.write(contentsOf: block) }
        try handle.close()

        func command(_ verb: String, _ input: String, _ output: String) -> [String] {
            ["backup", verb, "--key", keyFile, "--no-sync", input, output]
        }
        // File and pipe runs alternate, so a busy spell on a shared machine slows both sides alike.
        var fileEncrypt = Double.infinity, fileDecrypt = Double.infinity
        var pipeEncrypt = Double.infinity, pipeDecrypt = Double.infinity
        for _ in 0..<runs {
            fileEncrypt = min(fileEncrypt, try time(removing: sealed) {
                try runFiles(cofferctl, command("encrypt", plain, sealed))
            })
            pipeEncrypt = min(pipeEncrypt, try time {
                let out = try runPiped(cofferctl, command("encrypt", "-", "-"), feeding: plain)
                guard out == BackupFormat.sealedSize(plaintextSize: size) else { throw BenchFailure("encrypt: \(out)") }
            })
        }
        for _ in 0..<runs {
            fileDecrypt = min(fileDecrypt, try time(removing: restored) {
                try runFiles(cofferctl, command("decrypt", sealed, restored))
            })
            pipeDecrypt = min(pipeDecrypt, try time {
                let out = try runPiped(cofferctl, command("decrypt", "-", "-"), feeding: sealed)
                guard out == size else { throw BenchFailure("decrypt gave \(out) bytes") }
            })
        }
        let mib = size >> 20
        let memory = try peakResidentSizes(cofferctl, command: command, large: (plain, sealed, restored), in: directory)
        return memory + [
            Measurement(
                name: "backup encrypt \(mib) MiB pipe/file", value: Double(size) / pipeEncrypt, unit: "bytes/s",
                target: 0.8, reference: .measured(name: "cofferctl file to file", value: Double(size) / fileEncrypt)),
            Measurement(
                name: "backup decrypt \(mib) MiB pipe/file", value: Double(size) / pipeDecrypt, unit: "bytes/s",
                target: 0.8, reference: .measured(name: "cofferctl file to file", value: Double(size) / fileDecrypt)),
        ]
    }

    /// cofferctl's own peak resident size (wait4) encrypting and decrypting file to file, the
    /// benchmark's large input beside a 16 MiB one: the memory a backup takes must not grow with it.
    private func peakResidentSizes(
        _ cofferctl: String, command: (String, String, String) -> [String], large: (String, String, String),
        in directory: String
    ) throws -> [Measurement] {
        let small = (directory + "/small", directory + "/small.sealed", directory + "/small.restored")
        let block = SeededRandom(seed: Array("coffer-bench/pipe-small".utf8)).bytes(1 << 20)
        guard FileManager.default.createFile(atPath: small.0, contents: Data((0..<16).flatMap { _ in block })) else {
            throw BenchFailure("no \(small.0)")
        }
        let runs = [
            ("encrypt", [(large.0, large.1), (small.0, small.1)]),
            ("decrypt", [(large.1, large.2), (small.1, small.2)]),
        ]
        var figures: [Measurement] = []
        for (verb, files) in runs {
            let peaks = try files.map { input, output in
                try? FileManager.default.removeItem(atPath: output)
                return try Spawn.peakResidentBytes(cofferctl, command(verb, input, output))
            }
            figures.append(Measurement(
                name: "cofferctl backup \(verb) peak RSS, \(size >> 20) MiB", value: peaks[0], unit: "bytes",
                target: 1.1, better: "lower",
                reference: .measured(name: "the same command on 16 MiB", value: peaks[1])))
        }
        return figures
    }

    /// Seconds of wall time `body` takes. `output`, if any, is removed before the clock starts:
    /// dropping the previous run's file is not part of writing one.
    private func time(removing output: String? = nil, _ body: () throws -> Void) throws -> Double {
        if let output { try? FileManager.default.removeItem(atPath: output) }
        let start = monotonicNanoseconds()
        try body()
        return Double(monotonicNanoseconds() - start) / 1e9
    }

    private func runFiles(_ binary: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchFailure("cofferctl \(arguments) failed") }
    }

    /// Runs cofferctl with a pipe on stdin, fed the file at `input` by a thread, and a pipe on stdout,
    /// drained here; returns the bytes it wrote.
    private func runPiped(_ binary: String, _ arguments: [String], feeding input: String) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let feeder = Thread { Self.feed(input, to: stdin.fileHandleForWriting) }
        feeder.start()
        var total = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        let fd = stdout.fileHandleForReading.fileDescriptor
        while true {
            let got = read(fd, buffer.baseAddress, buffer.count)
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            total += got
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchFailure("cofferctl \(arguments) failed") }
        return total
    }

    /// Sends the file at `path` into `pipe` with sendfile(2) (no copy through this process, so the
    /// figure is cofferctl's, not the feeder's) and closes it.
    private static func feed(_ path: String, to pipe: FileHandle) {
        let source = open(path, O_RDONLY)
        defer {
            close(source)
            try? pipe.close()
        }
        while true {
            let sent = sendfile(pipe.fileDescriptor, source, nil, 1 << 20)
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return }
        }
    }
}
