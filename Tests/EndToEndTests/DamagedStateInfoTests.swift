import Foundation
import Testing

/// `cofferctl info` reports the damage a device runs despite (issue 10, defect 8): a store header
/// that does not open (from GetInfo, over any transport) and a counter bank that fell back from its
/// newer page (from the local emulator's note, or the in-process device itself).
@Suite(.serialized) struct DamagedStateInfoTests {
    let scratch = Scratch()
    var stateDir: String { scratch.file("state") }

    private func makeDevice() throws {
        let made = try run(Binaries.emulator, ["init", "--state-dir", stateDir, "--seed", "c0ffee", "--slots", "4"])
        try #require(made.status == 0, "\(made.stderr)")
    }

    private func flip(_ name: String, at offset: Int) throws {
        var bytes = try #require(scratch.read("state/" + name))
        bytes[offset] ^= 0x01
        scratch.write(bytes, to: "state/" + name)
    }

    /// Flips a counter value of the page with the higher sequence number.
    private func damageNewerCounterPage() throws {
        let bytes = try #require(scratch.read("state/counters"))
        let size = bytes.count / 2
        func sequence(_ page: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[page * size + 16 + $1]) << (8 * $1) }
        }
        try flip("counters", at: (sequence(0) > sequence(1) ? 0 : size) + 44)
    }

    private func warnings(_ device: String) throws -> [String] {
        let info = try scratch.cofferctl(["--device", device, "--json", "info"])
        try #require(info.status == 0, "\(info.stderr)")
        return try #require(info.object()["warnings"] as? [String])
    }

    @Test("a healthy device has no warnings")
    func healthy() throws {
        try makeDevice()
        let emulator = try EmulatorProcess(stateDirectory: stateDir, in: scratch.path)
        #expect(try warnings(emulator.device).isEmpty)
    }

    @Test("a flipped byte in flash.img's header: info over UDP says the store header is unreadable")
    func storeHeaderOverUDP() throws {
        try makeDevice()
        try flip("flash.img", at: 20)
        let emulator = try EmulatorProcess(stateDirectory: stateDir, in: scratch.path)
        #expect(emulator.stderr.contains("store header unreadable"))
        let found = try warnings(emulator.device)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("store header unreadable") == true)
        let text = try scratch.cofferctl(["--device", emulator.device, "info"])
        #expect(text.stdout.contains("warning     store header unreadable"))
    }

    @Test("a damaged newer counter page: info over UDP names the fallback, from the emulator's note")
    func counterFallbackOverUDP() throws {
        try makeDevice()
        try damageNewerCounterPage()
        let emulator = try EmulatorProcess(stateDirectory: stateDir, in: scratch.path)
        let found = try warnings(emulator.device)
        #expect(found.count == 1)
        #expect(found.first?.contains("\(stateDir)/counters bytes") == true)
        #expect(found.first?.contains("fell back to the older page") == true)
    }

    @Test("embedded:DIR reports both kinds of damage too")
    func embedded() throws {
        try makeDevice()
        try flip("flash.img", at: 20)
        try damageNewerCounterPage()
        let found = try warnings("embedded:\(stateDir)")
        #expect(found.count == 2)
        #expect(found.contains { $0.hasPrefix("store header unreadable") })
        #expect(found.contains { $0.contains("fell back to the older page") })
    }
}
