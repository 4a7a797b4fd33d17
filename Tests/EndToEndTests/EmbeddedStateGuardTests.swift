import Foundation
import Testing

/// `embedded:DIR` never makes a new device over a device that lost its fuses, in a directory that
/// is not a state dir, or at a misspelt path; a busy directory names its holder's pid; a directory
/// the user may not open exits 77 (issue 10, defects 2 and 12).
@Suite(.serialized) struct EmbeddedStateGuardTests {
    let scratch = Scratch()

    var device: [String] { ["--device", "embedded:" + scratch.file("state")] }

    func stateFiles() throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: scratch.file("state")) where name != "lock" {
            files[name] = FileManager.default.contents(atPath: scratch.file("state/" + name))
        }
        return files
    }

    @Test("a device whose fuses are missing is refused naming them, not answered 'wrong password'")
    func lostFuses() throws {
        let registered = try scratch.cofferctl(device + ["register", "--id", "a", "--password-stdin"], input: "pw\n")
        #expect(registered.status == 0, "\(registered.stderr)")
        try FileManager.default.removeItem(atPath: scratch.file("state/fuses"))
        let before = try stateFiles()
        let result = try scratch.cofferctl(device + ["recover", "--id", "a", "--password-stdin"], input: "pw\n")
        #expect(result.status == 69, "\(result.stderr)")
        #expect(result.stderr.contains("fuses: missing"), "\(result.stderr)")
        #expect(!result.stderr.contains("wrong password"))
        #expect(try stateFiles() == before, "nothing re-created")
    }

    @Test("a non-empty directory that is not a state dir is refused, and nothing is made in it")
    func foreignDirectory() throws {
        scratch.write(Array("mine".utf8), to: "state/notes.txt")
        let result = try scratch.cofferctl(device + ["info"])
        #expect(result.status == 69, "\(result.stderr)")
        #expect(result.stderr.contains("not a Coffer state directory"), "\(result.stderr)")
        #expect(try stateFiles().keys.sorted() == ["notes.txt"])
    }

    @Test("a misspelt embedded:DIR is a usage error; no directory is made")
    func misspeltDirectory() throws {
        let result = try scratch.cofferctl(["--device", "embedded:" + scratch.file("stat"), "info"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("mkdir"), "\(result.stderr)")
        #expect(!scratch.exists("stat"))
    }

    @Test("a state dir another process holds is busy, naming the holder's pid")
    func busyNamesPID() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        let result = try scratch.cofferctl(device + ["ping"])
        #expect(result.status == 69)
        #expect(result.stderr.contains("pid \(emulator.process.processIdentifier)"), "\(result.stderr)")
    }

    @Test("permission denied on a state dir exits 77", .enabled(if: getuid() != 0, "root may open anything"))
    func permissionDenied() throws {
        #expect(try scratch.cofferctl(device + ["info"]).status == 0)
        chmod(scratch.file("state"), 0)
        defer { chmod(scratch.file("state"), 0o700) }
        let result = try scratch.cofferctl(device + ["info"])
        #expect(result.status == 77, "\(result.stderr)")
        #expect(result.stderr.contains("ermission denied"), "\(result.stderr)")
    }
}
