import Foundation

/// A `coffer-emulator` built beside this benchmark, serving a fresh state directory on a port the
/// OS picked, as its ready file tells.
final class BenchEmulator {
    let process = Process()
    let stateDirectory: URL
    let port: UInt16

    init(slots: Int, extraArguments: [String] = []) throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("coffer-emulator")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "coffer-bench-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        stateDirectory = scratch.appendingPathComponent("state")
        let ready = scratch.appendingPathComponent("ready.json")
        process.executableURL = binary
        process.arguments = [
            "--state-dir", stateDirectory.path, "--port", "0", "--ready-file", ready.path,
            "--seed", "c0ffeebe4c40", "--slots", String(slots), "--attempt-limit", "255", "--log-level", "error",
        ] + extraArguments
        try process.run()
        // The ready file appears once the state is loaded and the socket bound.
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: ready.path) {
            guard process.isRunning, Date() < deadline else { throw BenchFailure("coffer-emulator did not start") }
            usleep(2_000)
        }
        let fields = try JSONSerialization.jsonObject(with: Data(contentsOf: ready)) as? [String: Any]
        guard let port = fields?["port"] as? Int else { throw BenchFailure("ready file without a port") }
        self.port = UInt16(port)
    }

    /// The emulator's peak resident set (VmHWM of /proc/PID/status) so far, in bytes.
    func peakResidentBytes() throws -> Double {
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { throw BenchFailure("no VmHWM for the emulator") }
        return kilobytes * 1024
    }

    /// Stops the emulator and removes its state. Globals are never deinitialised, so callers stop it.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: stateDirectory.deletingLastPathComponent())
    }

    deinit { stop() }
}
