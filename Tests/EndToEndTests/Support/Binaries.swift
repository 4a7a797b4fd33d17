import Foundation

/// The built executables, found beside the running test bundle (SwiftPM builds executables and
/// the test bundle into the same directory), or where `$COFFERCTL` / `$COFFER_EMULATOR` say.
enum Binaries {
    static var buildDirectory: URL {
        var directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path.contains(".xctest") { directory.deleteLastPathComponent() }
        return directory
    }

    static var cofferctl: String {
        ProcessInfo.processInfo.environment["COFFERCTL"] ?? buildDirectory.appendingPathComponent("cofferctl").path
    }

    static var emulator: String {
        ProcessInfo.processInfo.environment["COFFER_EMULATOR"]
            ?? buildDirectory.appendingPathComponent("coffer-emulator").path
    }

    /// The repository's root, from this file's place in it.
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }
}

/// What a finished child process left.
struct Finished {
    let status: Int32
    let stdout: String
    let stderr: String

    /// stdout parsed as JSON.
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8))
    }

    /// stdout parsed as one JSON object.
    func object() throws -> [String: Any] {
        guard let object = try json() as? [String: Any] else { throw ParseFailure(text: stdout) }
        return object
    }
}

struct ParseFailure: Error, CustomStringConvertible {
    let text: String
    var description: String { "not the JSON expected: \(text)" }
}

/// Runs `binary` with `arguments` to completion, `input` on its stdin, `environment` added to a
/// clean environment (PATH only, so the caller's COFFER_* variables never leak in).
func run(_ binary: String, _ arguments: [String], input: String = "", environment: [String: String] = [:]) throws
    -> Finished
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    var env = ["PATH": "/usr/bin:/bin"]
    for (name, value) in environment { env[name] = value }
    process.environment = env
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    // A child that exits before reading its input must not take the test process down with SIGPIPE.
    signal(SIGPIPE, SIG_IGN)
    try process.run()
    if !input.isEmpty { try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8)) }
    try? stdin.fileHandleForWriting.close()
    let errors = PipeDrain(stderr.fileHandleForReading)
    let output = readToEnd(stdout.fileHandleForReading.fileDescriptor)
    process.waitUntilExit()
    return Finished(status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
                    stderr: errors.text())
}

/// Everything readable from `fd` until end of file; interrupted reads are retried (FileHandle's
/// own reader traps on EINTR).
func readToEnd(_ fd: Int32) -> [UInt8] {
    var all: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = read(fd, &buffer, buffer.count)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { return all }
        all += buffer[0..<count]
    }
}

/// Reads a pipe to its end on a thread of its own, so a child never blocks on a full pipe.
final class PipeDrain: @unchecked Sendable {
    private let lock = NSLock()
    private var data: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            let all = readToEnd(handle.fileDescriptor)
            lock.withLock { data = all }
            done.signal()
        }
    }

    func text() -> String {
        done.wait()
        return lock.withLock { String(decoding: data, as: UTF8.self) }
    }
}
