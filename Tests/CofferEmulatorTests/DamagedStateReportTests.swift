import CofferEmulator
import CofferTestSupport
import Foundation
import Testing

/// Damage a device runs despite is said at start and shown by `inspect`, naming the file and the
/// bytes, and the file is left as it was (issue 10, defect 8): a store header that does not open,
/// and a counter bank that fell back from its newer page.
@Suite struct DamagedStateReportTests {
    let workspace = TemporaryDirectory()
    var stateDir: String { workspace.file("state") }

    private func makeDevice() throws {
        let made = try EmulatorProcess.run(["init", "--state-dir", stateDir, "--seed", "01", "--slots", "2"])
        try #require(made.status == 0, "\(made.stderr)")
    }

    /// Flips a bit in the header's nonce: the header no longer opens under the device's keys.
    private func damageStoreHeader() throws {
        try workspace.flipBit("state/flash.img", at: 20)
    }

    /// Flips a bit in a counter value of the page with the higher sequence number; returns that
    /// page's index and size.
    private func damageNewerCounterPage() throws -> (page: Int, size: Int) {
        let bytes = try workspace.bytes("state/counters")
        let size = bytes.count / 2
        func sequence(_ page: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[page * size + 16 + $1]) << (8 * $1) }
        }
        let newer = sequence(0) > sequence(1) ? 0 : 1
        try workspace.flipBit("state/counters", at: newer * size + 44)
        return (newer, size)
    }

    private func inspect() throws -> (report: DeviceReport, stderr: String) {
        let run = try EmulatorProcess.run(["inspect", "--state-dir", stateDir, "--json"])
        try #require(run.status == 0, "\(run.stderr)")
        return (try JSONDecoder().decode(DeviceReport.self, from: Data(run.stdout.utf8)), run.stderr)
    }

    @Test func unreadableStoreHeaderIsReportedByInspectAndLeftAlone() throws {
        try makeDevice()
        #expect(try inspect().report.warnings.isEmpty)
        try damageStoreHeader()
        let before = try workspace.bytes("state/flash.img")

        let (report, stderr) = try inspect()
        let warning = try #require(report.warnings.first)
        #expect(report.warnings.count == 1)
        #expect(warning.kind == .storeHeaderUnreadable)
        #expect(warning.file == "\(stateDir)/flash.img")
        #expect(warning.offset == 0 && warning.length == 40)
        #expect(stderr.contains("damaged state: \(stateDir)/flash.img bytes 0..<40: store header unreadable"))
        let text = try EmulatorProcess.run(["inspect", "--state-dir", stateDir])
        #expect(text.stdout.contains("warnings         1\n  storeHeaderUnreadable: \(stateDir)/flash.img bytes 0..<40"))
        #expect(try workspace.bytes("state/flash.img") == before)
    }

    @Test func unreadableStoreHeaderIsLoggedWhenServing() throws {
        try makeDevice()
        try damageStoreHeader()
        let emulator = try EmulatorProcess(
            ["serve", "--state-dir", stateDir, "--port", "0", "--ready-file", workspace.file("ready.json")],
            stderrPath: workspace.file("serve.log"))
        _ = try emulator.waitUntilReady()
        #expect(emulator.stderr.contains("\(stateDir)/flash.img bytes 0..<40: store header unreadable"))
        #expect(emulator.stop() == 0)
    }

    @Test func newerCounterPageDamagedFallsBackLoudly() throws {
        try makeDevice()
        let (page, size) = try damageNewerCounterPage()

        let (report, stderr) = try inspect()
        let warning = try #require(report.warnings.first)
        #expect(report.warnings.count == 1)
        #expect(warning.kind == .counterPageFallback)
        #expect(warning.file == "\(stateDir)/counters")
        #expect(warning.offset == page * size && warning.length == size)
        #expect(warning.message.contains("counter page \(page) is invalid (bad checksum)"))
        #expect(warning.message.contains("fell back to the older page \(1 - page)"))
        #expect(stderr.contains("damaged state: \(stateDir)/counters bytes \(page * size)..<\((page + 1) * size)"))
    }

    @Test func counterFallbackIsLoggedWhenServingAndNoted() throws {
        try makeDevice()
        _ = try damageNewerCounterPage()
        let runtime = workspace.file("runtime")
        let emulator = try EmulatorProcess(
            ["serve", "--state-dir", stateDir, "--port", "0", "--ready-file", workspace.file("ready.json")],
            stderrPath: workspace.file("serve.log"), runtimeDirectory: runtime)
        _ = try emulator.waitUntilReady()
        #expect(emulator.stderr.contains("fell back to the older page"))
        let note = try #require(EmulatorAnnouncement.running(in: runtime).first)
        #expect(note.warnings.map(\.kind) == [.counterPageFallback])
        #expect(emulator.stop() == 0)
    }

    @Test func healthyDeviceStartsWithoutWarnings() throws {
        try makeDevice()
        let emulator = try EmulatorProcess(
            ["serve", "--state-dir", stateDir, "--port", "0", "--ready-file", workspace.file("ready.json")],
            stderrPath: workspace.file("serve.log"))
        _ = try emulator.waitUntilReady()
        #expect(!emulator.stderr.contains("damaged state"))
        #expect(emulator.stop() == 0)
    }
}
