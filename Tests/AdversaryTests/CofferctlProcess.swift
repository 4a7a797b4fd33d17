import CofferTestSupport
import Foundation
import Testing

/// The built `cofferctl`, run to completion with its password on stdin (never in argv), its own
/// pin directory, and stdout and stderr in files.
struct CofferctlProcess {
    /// `$COFFERCTL` if set, else beside `coffer-emulator` in the build directory.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["COFFERCTL"] { return path }
        return URL(fileURLWithPath: EmulatorProcess.binary).deletingLastPathComponent()
            .appendingPathComponent("cofferctl").path
    }

    let workspace: TemporaryDirectory
    /// The longest a run may take before it is killed and the test fails.
    var seconds: Double = 60

    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `cofferctl arguments` with `stdin` as its standard input.
    func run(_ arguments: [String], stdin: String) throws -> Outcome {
        let run = UUID().uuidString
        try workspace.write("\(run).in", Array(stdin.utf8))
        FileManager.default.createFile(atPath: workspace.file("\(run).out"), contents: nil)
        FileManager.default.createFile(atPath: workspace.file("\(run).err"), contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = [
            "COFFER_PIN_DIR": workspace.file("pins"), "PATH": "/usr/bin:/bin", "HOME": workspace.path,
        ]
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: workspace.file("\(run).in")))
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: workspace.file("\(run).out")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: workspace.file("\(run).err")))
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        if exited.wait(timeout: .now() + seconds) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
            Issue.record("cofferctl \(arguments.first ?? "") ran for over \(seconds) s")
        }
        return Outcome(
            status: process.terminationStatus,
            stdout: String(decoding: try workspace.bytes("\(run).out"), as: UTF8.self),
            stderr: String(decoding: try workspace.bytes("\(run).err"), as: UTF8.self))
    }
}
