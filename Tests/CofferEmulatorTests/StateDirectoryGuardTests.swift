import CofferFirmware
import CofferTestSupport
import Foundation
import Testing

@testable import CofferEmulator

/// A state directory that holds anything of a device is never made into a new device implicitly,
/// and no device is made in a directory that is not a state directory (issue 10, defect 2).
@Suite struct StateDirectoryGuardTests {
    let workspace = TemporaryDirectory()
    var stateDir: String { workspace.file("state") }
    static let seed = "00c0ffee00c0ffee00c0ffee00c0ffee"

    func media(create: Bool) throws -> ChipMedia {
        try ChipMedia(directory: StateDirectory(path: stateDir), newCounterCount: create ? 4 : nil,
                      flashGeometry: { $0 >= 2 ? FlashGeometry(pageSize: 32, pageCount: $0) : nil },
                      powerCut: PowerCut())
    }

    func snapshot() throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for name in workspace.names(in: "state") where name != "lock" {
            files[name] = try workspace.bytes("state/" + name)
        }
        return files
    }

    @Test("media without fuses and without an init in progress are refused, naming the fuses, and left alone")
    func lostFusesRefused() throws {
        let made = try media(create: true)
        try made.fuses.burn(FuseContents(uds: [UInt8](repeating: 7, count: 32), serial: 9))
        made.releaseLock()
        try workspace.remove("state/fuses")
        let before = try snapshot()
        for create in [true, false] {
            let error = try #require(throws: StateFileError.self) { _ = try media(create: create) }
            #expect(error == StateFileError(path: stateDir + "/fuses", problem: .missing))
        }
        #expect(try snapshot() == before)
    }

    @Test("an init cut short before the burn is finished; the marker goes once the fuses are burned")
    func cutInitFinishes() throws {
        try media(create: true).releaseLock()
        #expect(workspace.exists("state/initialising"))
        let again = try media(create: true)
        try again.fuses.burn(FuseContents(uds: [UInt8](repeating: 7, count: 32), serial: 9))
        again.releaseLock()
        try media(create: false).releaseLock()
        #expect(!workspace.exists("state/initialising"))
    }

    @Test("init, serve's device making and inspect refuse a state dir whose fuses are missing")
    func binaryRefusesLostFuses() throws {
        let made = try EmulatorProcess.run(["init", "--state-dir", stateDir, "--seed", Self.seed, "--slots", "4"])
        try #require(made.status == 0, "\(made.stderr)")
        try workspace.remove("state/fuses")
        let before = try snapshot()
        let initialised = try EmulatorProcess.run(
            ["init", "--state-dir", stateDir, "--seed", Self.seed, "--slots", "4"])
        #expect(initialised.status != 0)
        #expect(initialised.stderr.contains("fuses: missing"), "\(initialised.stderr)")
        let inspected = try EmulatorProcess.run(["inspect", "--state-dir", stateDir])
        #expect(inspected.status != 0)
        #expect(inspected.stderr.contains("fuses: missing"), "\(inspected.stderr)")
        #expect(!inspected.stdout.contains("blank"))
        #expect(try snapshot() == before)
    }

    @Test("init in a non-empty directory that is not a state dir is refused and makes nothing")
    func foreignDirectoryRefused() throws {
        try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
        workspace.write(Array("my notes".utf8), to: "state/notes.txt")
        let result = try EmulatorProcess.run(["init", "--state-dir", stateDir, "--slots", "4"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("not a Coffer state directory"), "\(result.stderr)")
        #expect(workspace.names(in: "state").filter { $0 != "lock" } == ["notes.txt"])
    }
}

extension TemporaryDirectory {
    /// The names in the subdirectory `name`, sorted.
    func names(in name: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: file(name))) ?? []).sorted()
    }
}
