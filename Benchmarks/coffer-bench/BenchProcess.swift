import Foundation

/// A program built beside this benchmark (`coffer-emulator`, `coffer-agent`, `coffer-frontend`),
/// running with its stderr in a log file, that says it is ready by writing a JSON ready file.
final class BenchProcess {
    let name: String
    let log: URL
    private let process = Process()

    /// The path of `program` in this benchmark's own directory (the same build).
    static func sibling(_ program: String) -> URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent(program)
    }

    /// Starts `program` with `arguments`, its stderr (and stdout) going to `log`.
    init(_ program: String, _ arguments: [String], log: URL) throws {
        name = program
        self.log = log
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw BenchFailure("cannot create \(log.path)")
        }
        let output = try FileHandle(forWritingTo: log)
        process.executableURL = Self.sibling(program)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try output.close()
    }

    /// The ready file's fields once `path` appears, for at most `seconds`; a program that ends or
    /// stays silent first is a failure that quotes its log.
    func waitForReadyFile(_ path: URL, seconds: Double = 60) throws -> [String: Any] {
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        while true {
            if let data = try? Data(contentsOf: path), !data.isEmpty,
                let fields = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            {
                return fields
            }
            guard process.isRunning, monotonicNanoseconds() < deadline else {
                throw BenchFailure("\(name) did not become ready within \(seconds) s:\n\(logTail)")
            }
            _ = poll(nil, 0, 5)
        }
    }

    /// The port a ready file names.
    func waitForPort(_ readyFile: URL) throws -> Int {
        guard let port = try waitForReadyFile(readyFile)["port"] as? Int else {
            throw BenchFailure("\(name)'s ready file \(readyFile.path) names no port")
        }
        return port
    }

    /// The last 2000 bytes of the program's log, for a failure's message.
    var logTail: String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return "--- \(name) (\(log.path))\n" + String(text.suffix(2000))
    }

    /// SIGTERM, then waits for the exit.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// The processes of one benchmark, their files in a scratch directory of their own.
final class BenchProcesses {
    let scratch: URL
    private var processes: [BenchProcess] = []

    /// A fresh scratch directory `name` in the temporary directory.
    init(name: String) throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: scratch)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { scratch.appendingPathComponent(name) }

    /// Starts `program` with its log in the scratch directory; it is stopped with the others.
    func start(_ program: String, _ arguments: [String], log: String) throws -> BenchProcess {
        let process = try BenchProcess(program, arguments, log: file(log))
        processes.append(process)
        return process
    }

    /// The end of every process's log, for a failure's message.
    var logs: String { processes.map(\.logTail).joined(separator: "\n") }

    /// Stops the processes, the last started first, and removes the scratch directory.
    func stop() {
        for process in processes.reversed() { process.stop() }
        processes.removeAll()
        try? FileManager.default.removeItem(at: scratch)
    }

    deinit { stop() }
}

/// Runs a program built beside this benchmark to its end; its stdout, and a failure with its stderr
/// unless it exits 0.
func runSibling(_ program: String, _ arguments: [String]) throws -> String {
    try runProgram(BenchProcess.sibling(program), arguments)
}

/// Runs `executable` to its end; its stdout, and a failure with its stderr unless it exits 0.
func runProgram(_ executable: URL, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Both pipes are drained before the wait, stderr on a thread of its own, so that a chatty
    // program never blocks on a full pipe.
    final class Collected: @unchecked Sendable { var data = Data() }
    let errors = Collected()
    let drained = DispatchSemaphore(value: 0)
    Thread {
        errors.data = stderr.fileHandleForReading.readDataToEndOfFile()
        drained.signal()
    }.start()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    drained.wait()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchFailure(
            "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): "
                + String(decoding: errors.data, as: UTF8.self))
    }
    return String(decoding: output, as: UTF8.self)
}
