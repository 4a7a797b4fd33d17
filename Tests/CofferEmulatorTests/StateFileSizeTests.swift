import CofferEmulator
import CofferTestSupport
import Foundation
import Testing

/// Every state file's size is checked against the largest valid layout before a byte of it is read:
/// a huge (sparse) file costs the emulator a refusal naming the file and its size, not its contents
/// in memory (issue 9, finding 8: a 256 MiB `counters` was read whole, 285 MB of RSS).
@Suite struct StateFileSizeTests {
    static let huge: off_t = 256 << 20
    let workspace = TemporaryDirectory()
    var stateDir: String { workspace.file("state") }

    /// Bytes this thread has read through system calls so far (`rchar` of /proc/thread-self/io): the
    /// refusal runs on the calling thread, so the difference across it is what it read.
    static func bytesReadByThisThread() throws -> Int {
        let text = try String(contentsOfFile: "/proc/thread-self/io", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("rchar:") })
        return try #require(Int(line.dropFirst("rchar:".count).trimmingCharacters(in: .whitespaces)))
    }

    /// A device made in-process from a seed, with `name` then grown to 256 MiB without writing data.
    func deviceWithHuge(_ name: String) throws -> EmulatorSettings {
        let settings = EmulatorSettings(
            stateDirectory: StateDirectory(path: stateDir), seed: [0x5A, 0x5A], slotCount: 1)
        _ = try Emulator.initialise(settings)
        let path = stateDir + "/" + name
        try #require(truncate(path, Self.huge) == 0, "cannot grow \(path)")
        return settings
    }

    @Test(arguments: [FuseFile.fileName, CounterFile.fileName, FlashImage.fileName, SeedFingerprint.fileName])
    func hugeStateFileIsRefusedNamingFileAndSizeWithoutBeingRead(name: String) throws {
        let settings = try deviceWithHuge(name)
        let before = try Self.bytesReadByThisThread()
        var refusal: StateFileError?
        do {
            _ = try Emulator.inspect(settings)
        } catch {
            if case .state(let error) = error { refusal = error }
        }
        let read = try Self.bytesReadByThisThread() - before
        // The other state files and the refusal itself read a few KiB; the huge file, nothing.
        #expect(read < 1 << 20, "read \(read) bytes to refuse a \(Self.huge)-byte \(name)")
        #expect(refusal?.path == stateDir + "/" + name)
        guard case .wrongSize(let actual, _)? = refusal?.problem else {
            Issue.record("expected a size refusal, got \(String(describing: refusal))")
            return
        }
        #expect(actual == Int(Self.huge))
    }

    /// The same through the built binary: exit 65 and a message with the path and the size.
    @Test func hugeCountersFileStopsServeWithAMessageNamingItAndItsSize() throws {
        _ = try deviceWithHuge(CounterFile.fileName)
        let result = try EmulatorProcess.run(["serve", "--state-dir", stateDir, "--port", "0"])
        #expect(result.status == EmulatorExitStatus.stateRefused)
        #expect(result.stderr.contains("\(stateDir)/counters: wrong size: \(Self.huge) bytes"), "\(result.stderr)")
    }
}
