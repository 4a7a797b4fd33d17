import CofferEmulator
import Foundation

/// The built `coffer-emulator` binary, run as a child process with its stderr in a file.
public final class EmulatorProcess {
    /// Where the binary is: `$COFFER_EMULATOR` if set, else beside the running test bundle (SwiftPM
    /// puts executables and the test bundle in the same build directory).
    public static var binary: String {
        if let path = ProcessInfo.processInfo.environment["COFFER_EMULATOR"] { return path }
        let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = runner.deletingLastPathComponent()
        // On macOS the runner sits inside the .xctest bundle; walk up to the build directory.
        while directory.path.contains(".xctest") { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("coffer-emulator").path
    }

    /// Another executable of this package, beside the emulator (`coffer-agent`, `coffer-frontend`).
    public static func sibling(_ name: String) -> String {
        URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// The child process.
    public let process = Process()
    /// Where its stderr goes.
    public let stderrPath: String
    /// The `--ready-file` argument, if any.
    public let readyPath: String?

    /// Starts the binary with `arguments`, stderr to `stderrPath`. It notes itself (`serve`) in
    /// `runtimeDirectory`, by default `runtime/` beside `stderrPath`, never in the user's.
    public init(
        _ arguments: [String], stderrPath: String, runtimeDirectory: String? = nil, executable: String? = nil
    ) throws {
        self.stderrPath = stderrPath
        readyPath = arguments.firstIndex(of: "--ready-file").map { arguments[$0 + 1] }
        guard FileManager.default.createFile(atPath: stderrPath, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        process.executableURL = URL(fileURLWithPath: executable ?? Self.binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment[EmulatorAnnouncement.directoryVariable] =
            runtimeDirectory ?? URL(fileURLWithPath: stderrPath).deletingLastPathComponent().path + "/runtime"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// What the process wrote on stderr so far.
    public var stderr: String {
        (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }

    /// Waits for the ready file at `path`, polling for it until `seconds` have passed or the
    /// process ends first (then it throws `EmulatorNotReady` with what the process said on stderr).
    public func waitUntilReady(seconds: Double = 60) throws -> ReadyFile {
        try ReadyFile.read(from: try waitForReadyFile(seconds: seconds))
    }

    /// Waits for the ready file as `waitUntilReady` does, for any program's ready file: its path.
    public func waitForReadyFile(seconds: Double = 60) throws -> String {
        guard let path = readyPath else {
            throw EmulatorNotReady(running: process.isRunning, stderr: "started without --ready-file")
        }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: path) { return path }
            guard process.isRunning else { break }
            _ = poll(nil, 0, 5)
        }
        throw EmulatorNotReady(running: process.isRunning, stderr: stderr)
    }

    /// Sends SIGTERM and waits for the exit status; after `seconds` without an exit the process is
    /// killed (status `SIGKILL`, never 0), so a server that ignores SIGTERM cannot hang the suite.
    public func stop(seconds: Double = 30) -> Int32 {
        process.terminate()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline {
            _ = poll(nil, 0, 5)
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Waits for the process to end by itself; its exit status.
    public func waitForExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Runs the binary to completion: its exit status, stdout and stderr.
    public static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read both to the end before waiting, so a chatty child never blocks on a full pipe.
        let errorData = OutputCollector(errors.fileHandleForReading)
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), errorData.text())
    }
}

/// The emulator wrote no ready file: it ended first, or took too long.
public struct EmulatorNotReady: Error, CustomStringConvertible {
    /// Whether the process was still running when the wait gave up.
    public let running: Bool
    /// What it said on stderr.
    public let stderr: String
    public var description: String { "no ready file (running: \(running)); stderr: \(stderr)" }
}

/// Drains a pipe on a background thread.
private final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            let all = handle.readDataToEndOfFile()
            lock.withLock { data = all }
            done.signal()
        }
    }

    func text() -> String {
        done.wait()
        return lock.withLock { String(decoding: data, as: UTF8.self) }
    }
}
