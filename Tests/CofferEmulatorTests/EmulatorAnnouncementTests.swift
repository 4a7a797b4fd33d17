import CofferEmulator
import CofferTestSupport
import Foundation
import Testing

/// Each running `serve` notes itself in the per-user runtime directory for `cofferctl devices`, takes
/// the note back on a clean exit, and a note whose emulator is gone is ignored and removed.
@Suite struct EmulatorAnnouncementTests {
    let workspace = TemporaryDirectory()
    var runtime: String { workspace.file("run/coffer/emulators") }

    @Test func directoryComesFromTheEnvironment() {
        let both = ["COFFER_RUNTIME_DIR": "/x", "XDG_RUNTIME_DIR": "/r"]
        #expect(EmulatorAnnouncement.directory(environment: both) == "/x")
        #expect(EmulatorAnnouncement.directory(environment: ["XDG_RUNTIME_DIR": "/run/user/7"])
            == "/run/user/7/coffer/emulators")
        #expect(EmulatorAnnouncement.directory(environment: [:]) == "/tmp/coffer-\(getuid())/emulators")
    }

    @Test func runningEmulatorIsNotedUntilSIGTERM() throws {
        let stateDir = workspace.file("state")
        let emulator = try EmulatorProcess(
            ["serve", "--state-dir", stateDir, "--seed", "01", "--slots", "2", "--port", "0",
             "--ready-file", workspace.file("ready.json")],
            stderrPath: workspace.file("serve.log"), runtimeDirectory: runtime)
        let ready = try emulator.waitUntilReady()

        let notes = EmulatorAnnouncement.running(in: runtime)
        #expect(notes.count == 1)
        let note = try #require(notes.first)
        #expect(note.pid == emulator.process.processIdentifier)
        #expect(note.port == ready.port && note.host == "127.0.0.1")
        #expect(note.address == "udp://127.0.0.1:\(ready.port)")
        #expect(note.serial == ready.serial && note.stateDir == stateDir)
        #expect(note.warnings.isEmpty)
        var info = stat()
        #expect(stat(runtime, &info) == 0 && info.st_mode & 0o777 == 0o700)

        #expect(emulator.stop() == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: runtime).isEmpty)
    }

    @Test func wildcardBindIsReachedThroughLoopback() {
        let note = EmulatorAnnouncement(pid: 1, host: "0.0.0.0", port: 4000, serial: 1, stateDir: "/s", warnings: [])
        #expect(note.address == "udp://127.0.0.1:4000")
        let six = EmulatorAnnouncement(pid: 1, host: "::", port: 4000, serial: 1, stateDir: "/s", warnings: [])
        #expect(six.address == "udp://[::1]:4000")
    }

    @Test func staleNotesAreIgnoredAndRemoved() throws {
        // A process that has ended: its pid names nobody (until reused, which the port check covers).
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let taken = try UDPSocket(host: "127.0.0.1", port: 0)
        let deadPid = EmulatorAnnouncement(
            pid: ended.processIdentifier, host: "127.0.0.1", port: taken.port, serial: 1, stateDir: "/s", warnings: [])
        // A live pid (this test's own) whose port nobody holds: its emulator is gone and the pid reused.
        let freePort = try UDPSocket(host: "127.0.0.1", port: 0).port
        let reused = EmulatorAnnouncement(
            pid: getpid(), host: "127.0.0.1", port: freePort, serial: 2, stateDir: "/s", warnings: [])
        _ = try deadPid.announce(in: runtime)
        _ = try reused.announce(in: runtime)
        try workspace.write("run/coffer/emulators/notes.txt", Array("not a note".utf8))

        #expect(EmulatorAnnouncement.running(in: runtime).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: runtime) == ["notes.txt"])
    }

    @Test func aDirectoryOthersCanWriteIsRefused() throws {
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        chmod(runtime, 0o777)
        let note = EmulatorAnnouncement(
            pid: getpid(), host: "127.0.0.1", port: 1, serial: 1, stateDir: "/s", warnings: [])
        #expect(throws: StateFileError.self) { try note.announce(in: runtime) }
    }
}
