import CTAPHID
import CofferEmulator
import CofferProtocol
import CofferTestSupport
import Foundation
import Testing

/// Power cuts (`--crash-after-writes`) on the built binary, then restarts on the same state dir:
/// nothing acknowledged is lost and nothing is counted twice.
@Suite struct PowerCutEndToEndTests {
    let workspace = TemporaryDirectory()
    var stateDir: String { workspace.file("state") }
    let credential = Array("alice@example.org".utf8)
    static let seed = "5eed5eed5eed5eed5eed5eed5eed5eed"

    /// Starts `serve`; a crashed run leaves its ready file behind, so each run gets its own.
    func serve(_ extra: [String] = []) throws -> EmulatorProcess {
        let run = UUID().uuidString
        return try EmulatorProcess(
            [
                "serve", "--state-dir", stateDir, "--port", "0", "--ready-file", workspace.file("\(run).ready"),
                "--seed", Self.seed,
            ] + extra,
            stderrPath: workspace.file("\(run).log"))
    }

    func client(_ emulator: EmulatorProcess) throws -> VaultTestClient {
        try VaultTestClient(host: CTAPHIDTestHost(port: emulator.waitUntilReady().port))
    }

    func inspect() throws -> DeviceReport {
        let result = try EmulatorProcess.run(["inspect", "--state-dir", stateDir, "--json"])
        try #require(result.status == 0, "inspect failed: \(result.stderr)")
        return try JSONDecoder().decode(DeviceReport.self, from: Data(result.stdout.utf8))
    }

    func attemptsOfSlot0() throws -> UInt32 {
        try inspect().usedSlots.first { $0.slot == 0 }?.attempts ?? 0
    }

    @Test func loginStartCutBeforeItsCounterWriteIsNotCountedAndOneAfterIsCountedOnce() throws {
        let init_ = try EmulatorProcess.run(["init", "--state-dir", stateDir, "--seed", Self.seed, "--slots", "4"])
        try #require(init_.status == 0, "init failed: \(init_.stderr)")
        do {
            let emulator = try serve()
            try client(emulator).register(credential, attemptLimit: 5)
            #expect(emulator.stop() == 0)
        }
        let registered = try inspect()
        #expect(registered.records == 1)
        #expect(try attemptsOfSlot0() == 0)

        // Cut at the first durable write after boot: the LoginStart's attempt counter. The host gets
        // no answer; the count must not move.
        do {
            let emulator = try serve(["--crash-after-writes", "1"])
            let vault = try client(emulator)
            try vault.sendOnly(vault.loginStart(credential))
            #expect(emulator.waitForExit() == PowerCut.exitStatus)
            #expect(emulator.stderr.contains("power cut before durable write 1"))
            #expect(vault.host?.socket.receive() == nil)
        }
        #expect(try attemptsOfSlot0() == 0)

        // Cut at the second: the first LoginStart is acknowledged (4 left of 5), the second is cut.
        do {
            let emulator = try serve(["--crash-after-writes", "2"])
            let vault = try client(emulator)
            #expect(try vault.startLogin(credential) == 4)
            try vault.sendOnly(vault.loginStart(credential))
            #expect(emulator.waitForExit() == PowerCut.exitStatus)
        }
        #expect(try attemptsOfSlot0() == 1)
        #expect(try inspect().records == 1)

        // After the restart the record is intact and counting resumes from the acknowledged value.
        do {
            let emulator = try serve()
            #expect(try client(emulator).startLogin(credential) == 3)
            #expect(emulator.stop() == 0)
        }
        #expect(try attemptsOfSlot0() == 2)
    }

    /// Cuts `init` at every durable write in turn; each time the next `serve` finishes the job and
    /// comes up with the same device an uninterrupted init makes.
    @Test func initCutAtAnyWriteIsFinishedByTheNextServe() throws {
        let reference = workspace.file("reference")
        let whole = try EmulatorProcess.run(["init", "--state-dir", reference, "--seed", Self.seed, "--slots", "1"])
        try #require(whole.status == 0)
        let expected = try JSONDecoder().decode(
            DeviceReport.self,
            from: Data(try EmulatorProcess.run(["inspect", "--state-dir", reference, "--json"]).stdout.utf8))
        var cut = 1
        while true {
            try? FileManager.default.removeItem(atPath: stateDir)
            let run = try EmulatorProcess.run(
                [
                    "init", "--state-dir", stateDir, "--seed", Self.seed, "--slots", "1", "--crash-after-writes",
                    "\(cut)",
                ])
            if run.status == 0 { break }
            #expect(run.status == PowerCut.exitStatus, "cut \(cut): \(run.stderr)")
            let emulator = try serve(["--slots", "1"])
            _ = try emulator.waitUntilReady()
            #expect(emulator.stop() == 0)
            var report = try inspect()
            report.stateDir = expected.stateDir
            #expect(report == expected, "cut at write \(cut)")
            cut += 1
            try #require(cut < 100, "init never completed")
        }
        #expect(cut > 3)
    }
}
