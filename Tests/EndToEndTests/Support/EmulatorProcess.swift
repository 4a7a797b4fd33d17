import Foundation
import Testing

/// A real `coffer-emulator serve` on 127.0.0.1, on a port the OS picked (port 0), found through
/// its ready file; stopped with SIGTERM when the value goes away. It notes itself in the scratch
/// directory's `runtime/` (COFFER_RUNTIME_DIR), where `Scratch.cofferctl` looks, never in the user's.
final class EmulatorProcess {
    let process = Process()
    let port: Int
    let serial: String
    let stateDirectory: String
    let stderrPath: String
    /// Written to when the process ends; kept open as long as the process may end.
    private let exited = Pipe()

    /// Starts an emulator on `stateDirectory` and waits for its ready file; `extra` arguments follow.
    init(
        stateDirectory: String, seed: String? = "c0ffee", attemptLimit: Int? = nil, extra: [String] = [],
        in scratch: String
    ) throws {
        self.stateDirectory = stateDirectory
        let ready = scratch + "/ready-\(UUID().uuidString).json"
        stderrPath = scratch + "/emulator-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Binaries.emulator)
        process.arguments = ["serve", "--state-dir", stateDirectory, "--port", "0", "--ready-file", ready]
            + (seed.map { ["--seed", $0] } ?? []) + (attemptLimit.map { ["--attempt-limit", String($0)] } ?? []) + extra
        var environment = ProcessInfo.processInfo.environment
        environment["COFFER_RUNTIME_DIR"] = scratch + "/runtime"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        let signal = exited.fileHandleForWriting
        process.terminationHandler = { _ in try? signal.write(contentsOf: Data([1])) }
        try process.run()
        let outcome = ReadyWait.waitFor(file: ready, orReadable: exited.fileHandleForReading.fileDescriptor,
                                        timeoutMilliseconds: 120_000)
        guard outcome == .appeared else {
            let log = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            Issue.record("emulator not ready (\(outcome)): \(log)")
            throw ParseFailure(text: "no ready file")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: ready))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let port = object["port"] as? Int, let serial = object["serial"] as? String,
            let pid = object["pid"] as? Int, object["stateDir"] is String
        else { throw ParseFailure(text: String(decoding: data, as: UTF8.self)) }
        #expect(pid == Int(process.processIdentifier))
        self.port = port
        self.serial = serial
    }

    deinit {
        // SIGKILL, not SIGTERM: a child spawned from a test thread inherits that thread's signal
        // mask, in which SIGTERM may be blocked, and then it would never arrive.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// What it said on stderr so far.
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Sends SIGTERM and waits for the process to end; its exit status.
    func stop() -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The address cofferctl takes.
    var device: String { "udp://127.0.0.1:\(port)" }
}
