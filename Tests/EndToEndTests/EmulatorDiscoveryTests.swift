import Foundation
import Testing

/// `cofferctl devices` lists the emulators running on this machine beside the in-process and USB
/// devices, with the address to pass as --device; an emulator that stopped is no longer listed.
@Suite(.serialized) struct EmulatorDiscoveryTests {
    let scratch = Scratch()

    private func emulators() throws -> [[String: Any]] {
        let devices = try scratch.cofferctl(["--json", "devices"])
        try #require(devices.status == 0, "\(devices.stderr)")
        let all = try #require(try devices.json() as? [[String: Any]])
        return all.filter { $0["kind"] as? String == "emulator" }
    }

    @Test("a running emulator is listed with its udp:// address, serial and state dir, until SIGTERM")
    func listedWhileRunning() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        let listed = try emulators()
        #expect(listed.count == 1)
        #expect(listed.first?["address"] as? String == emulator.device)
        #expect(listed.first?["serial"] as? String == emulator.serial)
        #expect(listed.first?["node"] as? String == scratch.file("state"))
        // The listed address works as --device.
        let address = try #require(listed.first?["address"] as? String)
        #expect(try scratch.cofferctl(["--device", address, "ping"]).status == 0)
        let text = try scratch.cofferctl(["devices"])
        #expect(text.stdout.contains("\(emulator.device)"))
        #expect(text.stdout.contains("serial \(emulator.serial) on \(scratch.file("state"))"))

        #expect(emulator.stop() == 0)
        #expect(try emulators().isEmpty)
    }

    @Test("an emulator killed outright leaves a note that is ignored and cleaned")
    func killedEmulatorIsNotListed() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        #expect(try emulators().count == 1)
        kill(emulator.process.processIdentifier, SIGKILL)
        emulator.process.waitUntilExit()
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.file("runtime")).count == 1)
        #expect(try emulators().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.file("runtime")).isEmpty)
    }
}
