import Foundation
import Testing

/// ping, wink, info, devices and the identity pin, against a built emulator over UDP.
@Suite(.serialized) struct DeviceCommandTests {
    let scratch = Scratch()

    @Test("ping and wink answer, in text and in JSON")
    func pingAndWink() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        let ping = try scratch.cofferctl(["--device", emulator.device, "ping", "--size", "1000"])
        #expect(ping.status == 0)
        #expect(ping.stdout.contains("echoed 1000 bytes"))
        let json = try scratch.cofferctl(["--json", "--device", emulator.device, "ping"]).object()
        #expect(json["device"] as? String == emulator.device)
        #expect(json["bytes"] as? Int == 32)
        let wink = try scratch.cofferctl(["wink", "--device", emulator.device, "--json"]).object()
        #expect(wink["wink"] as? String == "ok")
    }

    @Test("COFFER_DEVICE names the device when --device does not")
    func environmentDevice() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        let ping = try scratch.cofferctl(["--json", "ping"], environment: ["COFFER_DEVICE": emulator.device])
        #expect(try ping.object()["device"] as? String == emulator.device)
    }

    @Test("info shows the emulator's serial and pins its identity key on first use, then matches it")
    func infoAndPin() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        let first = try scratch.cofferctl(["--device", emulator.device, "--json", "info"])
        #expect(first.status == 0, "\(first.stderr)")
        let info = try first.object()
        #expect(info["serial"] as? String == emulator.serial)
        #expect(info["lifecycle"] as? String == "operational")
        #expect(info["identitySignature"] as? String == "verified")
        #expect(info["pin"] as? String == "pinned now")
        let identity = try #require(info["identityPublicKey"] as? String)
        #expect(identity.count == 66)
        #expect(first.stderr.contains("new device at \(emulator.device)"), "\(first.stderr)")
        let pins = try #require(try scratch.cofferctl(["--json", "pins"]).json() as? [[String: Any]])
        #expect(pins.count == 1)
        #expect(pins.first?["address"] as? String == emulator.device)
        #expect(pins.first?["serial"] as? String == emulator.serial)
        #expect(pins.first?["identityPublicKey"] as? String == identity)
        let second = try scratch.cofferctl(["--device", emulator.device, "--json", "info"]).object()
        #expect(second["pin"] as? String == "matches pin")
        let text = try scratch.cofferctl(["--device", emulator.device, "info"])
        #expect(text.stdout.contains("serial      \(emulator.serial)"))
    }

    @Test("a pinned key that changes is refused loudly, for info and for every vault command")
    func pinChanged() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        #expect(try scratch.cofferctl(["--device", emulator.device, "info"]).status == 0)
        let pins = try #require(try scratch.cofferctl(["--json", "pins"]).json() as? [[String: Any]])
        let pinFile = try #require(pins.first?["file"] as? String)
        // The pin now holds another key: what the client sees when another device answers here.
        let other = "02" + String(repeating: "ab", count: 32)
        let text = try String(contentsOfFile: pinFile, encoding: .utf8)
        let changed = text.split(separator: "\n").map { $0.hasPrefix("identity ") ? "identity " + other : String($0) }
        try (changed.joined(separator: "\n") + "\n").write(toFile: pinFile, atomically: true, encoding: .utf8)
        let info = try scratch.cofferctl(["--device", emulator.device, "info"])
        #expect(info.status == 1)
        #expect(info.stderr.contains("DEVICE IDENTITY CHANGED"))
        #expect(info.stderr.contains(pinFile))
        let register = try scratch.cofferctl(["--device", emulator.device, "register", "--id", "x", "--password-stdin"],
                                             input: "pw\n")
        #expect(register.status == 1)
        #expect(register.stderr.contains("DEVICE IDENTITY CHANGED"))
    }

    @Test("devices lists the in-process device, in text and JSON")
    func devices() throws {
        let text = try scratch.cofferctl(["devices"])
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("embedded"))
        let list = try #require(try scratch.cofferctl(["--json", "devices"]).json() as? [[String: Any]])
        #expect(list.first?["address"] as? String == "embedded")
        #expect(list.first?["accessible"] as? Bool == true)
    }
}
