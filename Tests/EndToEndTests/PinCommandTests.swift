import Foundation
import Testing

/// The built cofferctl's pins (issue 9, finding 2): `pins` and `pins forget`, `--trust-new-device`,
/// pin files on disk, and a changed device at one address, on an emulator and on `embedded:DIR`.
@Suite(.serialized) struct PinCommandTests {
    let scratch = Scratch()

    /// `pins --json`, parsed.
    func pins(_ scratch: Scratch? = nil) throws -> [[String: Any]] {
        let result = try (scratch ?? self.scratch).cofferctl(["--json", "pins"])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try result.json() as? [[String: Any]], "\(result.stdout)")
    }

    @Test("pins lists address, serial, fingerprint and file, in text and JSON; forget removes one (0) or says none (1)")
    func listAndForget() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        #expect(try pins().isEmpty)
        let empty = try scratch.cofferctl(["pins"])
        #expect(empty.status == 0 && empty.stdout.isEmpty && empty.stderr.contains("no pins in"))

        let info = try scratch.cofferctl(["--json", "--device", emulator.device, "info"])
        #expect(info.status == 0, "\(info.stderr)")
        let identity = try #require(try info.object()["identityPublicKey"] as? String)
        let listed = try pins()
        #expect(listed.count == 1)
        let pin = try #require(listed.first)
        #expect(Set(pin.keys) == ["address", "serial", "fingerprint", "identityPublicKey", "file"])
        #expect(pin["address"] as? String == emulator.device)
        #expect(pin["serial"] as? String == emulator.serial)
        #expect(pin["identityPublicKey"] as? String == identity)
        let fingerprint = try #require(pin["fingerprint"] as? String)
        let file = try #require(pin["file"] as? String)
        #expect(fingerprint.hasPrefix("SHA256:") && fingerprint.count == 50)
        #expect(file.hasPrefix(scratch.file("pins/")) && file.hasSuffix(".pin"))
        // First contact said so on stderr, naming all of it.
        for part in [emulator.device, emulator.serial, fingerprint, file] {
            #expect(info.stderr.contains(part), "\(part) missing from: \(info.stderr)")
        }

        let text = try scratch.cofferctl(["pins", "list"])
        #expect(text.status == 0)
        #expect(text.stdout == [emulator.device, emulator.serial, fingerprint, file].joined(separator: "  ") + "\n")
        #expect(try scratch.cofferctl(["pins", "list", "--json"]).json() as? [[String: String]] ?? []
                    == listed as? [[String: String]])

        let forget = try scratch.cofferctl(["pins", "forget", emulator.device])
        #expect(forget.status == 0, "\(forget.stderr)")
        #expect(forget.stdout.contains(emulator.device) && forget.stdout.contains(fingerprint))
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(try pins().isEmpty)
        let again = try scratch.cofferctl(["pins", "forget", emulator.device])
        #expect(again.status == 1)
        #expect(again.stderr.contains("no pin for \(emulator.device)"))
        let json = try scratch.cofferctl(["--json", "pins", "forget", "embedded"])
        #expect(json.status == 1 && json.stderr.contains("no pin for embedded"))
    }

    @Test("forget --json names the pin it removed")
    func forgetJSON() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        #expect(try scratch.cofferctl(["--device", emulator.device, "info"]).status == 0)
        let pin = try #require(try pins().first)
        let forget = try scratch.cofferctl(["pins", "forget", "--json", emulator.device])
        #expect(forget.status == 0)
        let object = try forget.object()
        #expect(object["address"] as? String == emulator.device)
        #expect(object["file"] as? String == pin["file"] as? String)
        #expect((object["forgotten"] as? [String: Any])?["fingerprint"] as? String == pin["fingerprint"] as? String)
    }

    @Test("a pin file is mode 0600 in a 0700 directory")
    func pinFileMode() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        #expect(try scratch.cofferctl(["--device", emulator.device, "info"]).status == 0)
        let file = try #require(try pins().first?["file"] as? String)
        #expect(try permissions(file) == 0o600)
        #expect(try permissions(scratch.file("pins")) == 0o700)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.hasPrefix("coffer-pin 1\naddress \(emulator.device)\nserial \(emulator.serial)\nidentity "))
    }

    @Test("a corrupt pin file is refused naming the file, even with --trust-new-device, and never reset")
    func corruptPinRefused() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        #expect(try scratch.cofferctl(["--device", emulator.device, "info"]).status == 0)
        let file = try #require(try pins().first?["file"] as? String)
        try "coffer-pin 1\naddress \(emulator.device)\n".write(toFile: file, atomically: false, encoding: .utf8)
        let runs = [
            ["--device", emulator.device, "info"],
            ["--device", emulator.device, "--trust-new-device", "info"],
            ["--device", emulator.device, "register", "--id", "x", "--password-stdin"],
            ["--device", emulator.device, "recover", "--id", "x", "--password-stdin", "--trust-new-device"],
        ]
        for arguments in runs {
            let result = try scratch.cofferctl(arguments, input: "pw\n")
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(file) && result.stderr.contains("not a usable pin"), "\(result.stderr)")
        }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "coffer-pin 1\naddress \(emulator.device)\n")
        let list = try scratch.cofferctl(["pins"])
        #expect(list.status == 1 && list.stderr.contains(file))
        #expect(try scratch.cofferctl(["pins", "forget", emulator.device]).status == 0)
        let fresh = try scratch.cofferctl(["--json", "--device", emulator.device, "info"])
        #expect(try fresh.object()["pin"] as? String == "pinned now")
    }

    @Test("a new device at a pinned embedded:DIR is refused before the password; --trust-new-device replaces the pin")
    func changedDeviceAtAStateDirectory() throws {
        let state = scratch.file("state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: scratch.file("link"), withDestinationPath: state)
        let first = try scratch.cofferctl(["--json", "--device", "embedded:" + state, "info"])
        #expect(first.status == 0, "\(first.stderr)")
        // Three spellings of one directory share one pin, by its canonical path.
        for spelling in [state, scratch.file("link"), state + "/../state/."] {
            let again = try scratch.cofferctl(["--json", "--device", "embedded:" + spelling, "info"])
            #expect(try again.object()["pin"] as? String == "matches pin", "\(spelling): \(again.stderr)")
        }
        let listed = try pins()
        #expect(listed.count == 1)
        let address = try #require(listed.first?["address"] as? String)
        #expect(address == "embedded:" + (state as NSString).resolvingSymlinksInPath)
        let oldFingerprint = try #require(listed.first?["fingerprint"] as? String)

        // Another device at that address: the state directory made anew.
        try FileManager.default.removeItem(atPath: state)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let register = try scratch.cofferctl(
            ["--device", "embedded:" + state, "register", "--id", "alice", "--password-stdin"],
            input: "pw\n")
        #expect(register.status == 1)
        #expect(register.stderr.contains("DEVICE IDENTITY CHANGED at \(address)"), "\(register.stderr)")
        #expect(register.stderr.contains(oldFingerprint) && register.stderr.contains("--trust-new-device"))
        #expect(register.stdout.isEmpty)
        // Before the password: with no terminal to prompt on, asking first would exit 64.
        for command in ["register", "recover", "delete"] {
            let prompted = try scratch.cofferctl(["--device", "embedded:" + state, command, "--id", "alice"])
            #expect(prompted.status == 1, "\(command): \(prompted.stderr)")
            #expect(prompted.stderr.contains("DEVICE IDENTITY CHANGED"), "\(command): \(prompted.stderr)")
        }

        // The flag works after the subcommand too (it is a global option).
        let trusted = try scratch.cofferctl(["--json", "--device", "embedded:" + state, "info", "--trust-new-device"])
        #expect(trusted.status == 0, "\(trusted.stderr)")
        #expect(trusted.stderr.contains("--trust-new-device: replaced the pin of \(address)"), "\(trusted.stderr)")
        let newFingerprint = try #require(try pins().first?["fingerprint"] as? String)
        #expect(newFingerprint != oldFingerprint)
        #expect(trusted.stderr.contains(oldFingerprint) && trusted.stderr.contains(newFingerprint))
        let registered = try scratch.cofferctl(
            ["--device", "embedded:" + state, "register", "--id", "alice", "--password-stdin"], input: "pw\n")
        #expect(registered.status == 0, "\(registered.stderr)")
        #expect(!registered.stderr.contains("pin"), "a matching pin is silent: \(registered.stderr)")
    }

    @Test("per-serial pin files of earlier versions are never read, and pins names them")
    func legacyPinFilesIgnored() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        try FileManager.default.createDirectory(atPath: scratch.file("pins"), withIntermediateDirectories: true)
        // An old pin of this very serial holding another key: it must neither refuse nor vouch.
        let legacy = scratch.file("pins/\(emulator.serial).pin")
        try ("02" + String(repeating: "ab", count: 32) + "\n").write(toFile: legacy, atomically: true, encoding: .utf8)
        let info = try scratch.cofferctl(["--json", "--device", emulator.device, "info"])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(try info.object()["pin"] as? String == "pinned now")
        let list = try scratch.cofferctl(["pins"])
        #expect(list.status == 0)
        #expect(list.stdout.hasPrefix(emulator.device))
        #expect(list.stderr.contains(legacy) && list.stderr.contains("never read"))
    }

    @Test("with nowhere to keep pins, a device that would be pinned is refused (exit 1)")
    func noPinDirectory() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        let result = try run(Binaries.cofferctl, ["--device", emulator.device, "info"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("COFFER_PIN_DIR"))
        // The in-process memory device is never pinned, so it needs no directory.
        #expect(try run(Binaries.cofferctl, ["info"]).status == 0)
    }

    @Test("help names pins, forget and --trust-new-device")
    func help() throws {
        let root = try scratch.cofferctl(["--help"])
        #expect(root.stdout.contains("pins") && root.stdout.contains("--trust-new-device"))
        let pins = try scratch.cofferctl(["pins", "--help"])
        #expect(pins.status == 0 && pins.stdout.contains("forget") && pins.stdout.contains("list"))
    }

    private func permissions(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
    }
}
