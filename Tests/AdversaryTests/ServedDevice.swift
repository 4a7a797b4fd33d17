import CofferEmulator
import CofferTestSupport
import Foundation
import Testing

/// A fresh device from a known seed, served by the built `coffer-emulator` on 127.0.0.1, port 0.
final class ServedDevice {
    let workspace = TemporaryDirectory()
    let emulator: EmulatorProcess
    let port: UInt16
    var stateDir: String { workspace.file("state") }

    /// Starts `serve` on a new state dir (the emulator makes the device) and waits for its ready file.
    /// `slotCounters`: whether the device shows per-slot counters (the tests are its operator).
    init(seed: String, slots: Int, attemptLimit: Int? = nil, slotCounters: Bool = true) throws {
        var arguments = [
            "serve", "--state-dir", workspace.file("state"), "--port", "0", "--ready-file", workspace.file("ready"),
            "--seed", seed, "--slots", "\(slots)", "--max-attempt-limit", "255",
        ]
        if slotCounters { arguments.append("--slot-counters") }
        if let attemptLimit { arguments += ["--attempt-limit", "\(attemptLimit)"] }
        emulator = try EmulatorProcess(arguments, stderrPath: workspace.file("emulator.log"))
        port = try emulator.waitUntilReady().port
    }

    /// Stops the server (it must exit cleanly on SIGTERM, so it was still serving) and reads the
    /// state it left with `coffer-emulator inspect`.
    func stopAndInspect() throws -> DeviceReport {
        #expect(emulator.stop() == 0, "the emulator did not stop cleanly: \(emulator.stderr)")
        let result = try EmulatorProcess.run(["inspect", "--state-dir", stateDir, "--json"])
        try #require(result.status == 0, "inspect failed: \(result.stderr)")
        return try JSONDecoder().decode(DeviceReport.self, from: Data(result.stdout.utf8))
    }
}
