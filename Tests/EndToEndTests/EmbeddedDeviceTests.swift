import Foundation
import Testing

/// The default device (the firmware in cofferctl's own process) and embedded:STATE_DIR.
@Suite(.serialized) struct EmbeddedDeviceTests {
    let scratch = Scratch()

    @Test("demo with no device tells the whole story and ends with the key destroyed (JSON)")
    func demo() throws {
        let result = try scratch.cofferctl(["--json", "demo", "--attempt-limit", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        let events = try #require(try result.json() as? [[String: Any]])
        let steps = events.compactMap { $0["step"] as? String }
        #expect(steps == ["device", "keygen", "encrypt", "register", "recover", "decrypt", "guess", "guess",
                          "destroyed", "after"])
        #expect(events.filter { $0["step"] as? String == "guess" }.compactMap { $0["value"] as? Int } == [2, 1])
    }

    @Test("demo in text names each step")
    func demoText() throws {
        let result = try scratch.cofferctl(["demo", "--attempt-limit", "2"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("[destroyed]"))
        #expect(result.stdout.contains("1 attempt remaining"))
    }

    @Test("embedded:STATE_DIR keeps records between runs, and shares the directory with the emulator")
    func stateDirectory() throws {
        let device = ["--device", "embedded:" + scratch.file("state")]
        let registered = try scratch.cofferctl(device + ["--json", "register", "--id", "erin", "--password-stdin"],
                                               input: "pw\n")
        #expect(registered.status == 0, "\(registered.stderr)")
        let key = try registered.object()["key"] as? String
        let recovered = try scratch.cofferctl(device + ["--json", "recover", "--id", "erin", "--password-stdin"],
                                              input: "pw\n")
        #expect(try recovered.object()["key"] as? String == key)
        // The same state served by the emulator holds the same record.
        // cofferctl made this device without a seed, so the emulator serves it without one.
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), seed: nil, in: scratch.path)
        let overUDP = try scratch.cofferctl(["--device", emulator.device, "--json", "recover", "--id", "erin",
                                             "--password-stdin"], input: "pw\n")
        #expect(try overUDP.object()["key"] as? String == key)
    }
}
