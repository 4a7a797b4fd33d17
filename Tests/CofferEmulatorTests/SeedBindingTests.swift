import CofferEmulator
import CofferFirmware
import CofferTestSupport
import Foundation
import Testing

/// `--seed` drives only the device made from it, and never the same stream twice (issue 9, finding 6):
/// the seed's fingerprint is recorded when a device is made with one, other seeds and seedless
/// devices are refused, and every boot raises the on-chip boot counter that keys the stream.
@Suite struct SeedBindingTests {
    static let seed = "a11ce5eda11ce5ed"
    static let otherSeed = "b0b5eedb0b5eed"
    let workspace = TemporaryDirectory()
    var stateDir: String { workspace.file("state") }

    func initialise(_ seed: String?) throws {
        let result = try EmulatorProcess.run(
            ["init", "--state-dir", stateDir, "--slots", "2"] + (seed.map { ["--seed", $0] } ?? []))
        try #require(result.status == 0, "init failed: \(result.stderr)")
    }

    /// Runs `serve` with `seed`; its exit status and stderr if it refused to start, nil once it served
    /// (it is then stopped).
    func serveRefusal(_ seed: String?) throws -> (status: Int32, stderr: String)? {
        let run = UUID().uuidString
        let emulator = try EmulatorProcess(
            ["serve", "--state-dir", stateDir, "--port", "0", "--ready-file", workspace.file("\(run).ready")]
                + (seed.map { ["--seed", $0] } ?? []),
            stderrPath: workspace.file("\(run).log"))
        guard (try? emulator.waitUntilReady()) != nil else { return (emulator.waitForExit(), emulator.stderr) }
        #expect(emulator.stop() == 0)
        return nil
    }

    var fingerprintPath: String { stateDir + "/" + SeedFingerprint.fileName }

    @Test func serveWithAnotherSeedThanTheDeviceWasMadeFromIsRefused() throws {
        try initialise(Self.seed)
        let fingerprint = try workspace.bytes("state/" + SeedFingerprint.fileName)
        let refusal = try #require(try serveRefusal(Self.otherSeed), "served another seed's device")
        #expect(refusal.status == EmulatorExitStatus.usage)
        #expect(refusal.stderr.contains("--seed is not the seed the device in \(stateDir) was made from"))
        #expect(refusal.stderr.contains(fingerprintPath))
        #expect(try workspace.bytes("state/" + SeedFingerprint.fileName) == fingerprint)
        #expect(try serveRefusal(Self.seed) == nil)
    }

    @Test func seedOnADeviceMadeWithoutOneIsRefused() throws {
        try initialise(nil)
        #expect(!FileManager.default.fileExists(atPath: fingerprintPath))
        let refusal = try #require(try serveRefusal(Self.seed), "served a seedless device with --seed")
        #expect(refusal.status == EmulatorExitStatus.usage)
        #expect(refusal.stderr.contains("the device in \(stateDir) was made without --seed; refusing --seed on it"))
        #expect(!FileManager.default.fileExists(atPath: fingerprintPath))
        #expect(try serveRefusal(nil) == nil)
    }

    @Test func serveWithASeedOnAnEmptyDirectoryRecordsItAndServesOnlyThatSeedAfter() throws {
        #expect(try serveRefusal(Self.seed) == nil)
        #expect(try workspace.bytes("state/" + SeedFingerprint.fileName).count == 48)
        #expect(try serveRefusal(Self.seed) == nil)
        // Without a seed the OS CSPRNG serves it: no stream to repeat.
        #expect(try serveRefusal(nil) == nil)
        #expect(try serveRefusal(Self.otherSeed)?.status == EmulatorExitStatus.usage)
    }

    /// Each boot raises counter 3 (`CounterLayout.boots`) and the seeded stream follows it: the same
    /// INIT, first thing after two boots with the same seed, gets two different channel ids (before,
    /// the stream restarted and handed out the same one).
    @Test func everyBootRaisesTheBootCounterAndDrawsAnotherStream() throws {
        try initialise(Self.seed)
        var channels: [UInt32] = []
        var boots: [UInt32] = []
        for run in 0..<2 {
            let emulator = try EmulatorProcess(
                [
                    "serve", "--state-dir", stateDir, "--port", "0", "--ready-file", workspace.file("\(run).ready"),
                    "--seed", Self.seed,
                ],
                stderrPath: workspace.file("\(run).log"))
            let host = try CTAPHIDTestHost(port: emulator.waitUntilReady().port)
            channels.append(try host.openChannel(nonce: [1, 1, 2, 3, 5, 8, 13, 21]).channel.rawValue)
            #expect(emulator.stop() == 0)
            let counters = try CounterFile(path: stateDir + "/" + CounterFile.fileName, powerCut: PowerCut())
            boots.append(try counters.read(CounterLayout.boots))
        }
        #expect(channels[0] != channels[1], "the same seed handed out channel \(channels[0]) at two boots")
        #expect(boots[0] >= 1 && boots[1] > boots[0], "boot counts \(boots)")
    }
}
