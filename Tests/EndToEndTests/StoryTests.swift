import Foundation
import Testing

import func CofferTestSupport.seededBytes

/// The built cofferctl against a built coffer-emulator over UDP: the whole story, step by step,
/// with every exit status it meets on the way.
@Suite(.serialized) struct StoryTests {
    let scratch = Scratch()

    @Test("keygen, encrypt, register, recover, decrypt, then wrong guesses down to destruction")
    func wholeStory() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        let device = ["--device", emulator.device]
        let password = "correct horse battery staple\n"

        #expect(try scratch.cofferctl(["keygen", "--out", scratch.file("key")]).status == 0)
        scratch.write(seededBytes(300_000, seed: 1), to: "history")
        #expect(try scratch.cofferctl(["backup", "encrypt", "--key", scratch.file("key"), scratch.file("history"),
                                       scratch.file("history.coffer")]).status == 0)

        let registered = try scratch.cofferctl(
            device + ["--json", "register", "--id", "alice", "--key", scratch.file("key"), "--attempt-limit", "3",
                      "--password-stdin"], input: password)
        #expect(registered.status == 0, "\(registered.stderr)")
        let registration = try registered.object()
        #expect(registration["id"] as? String == "alice")
        #expect(registration["attemptLimit"] as? Int == 3)
        #expect(registration["key"] == nil, "a key from a file is never printed")

        let recovered = try scratch.cofferctl(
            device + ["recover", "--id", "alice", "--out", scratch.file("key2"), "--password-stdin"], input: password)
        #expect(recovered.status == 0, "\(recovered.stderr)")
        #expect(scratch.read("key2") == scratch.read("key"))
        let mode = try FileManager.default.attributesOfItem(atPath: scratch.file("key2"))[.posixPermissions] as? Int
        #expect(mode == 0o600)

        #expect(try scratch.cofferctl(["backup", "decrypt", "--key", scratch.file("key2"),
                                       scratch.file("history.coffer"), scratch.file("history.restored")]).status == 0)
        #expect(scratch.read("history.restored") == scratch.read("history"))

        let first = try scratch.cofferctl(device + ["recover", "--id", "alice", "--password-stdin"], input: "nope\n")
        #expect(first.status == 10)
        #expect(first.stderr.contains("2 attempts remaining"))
        #expect(first.stdout.isEmpty)
        let second = try scratch.cofferctl(device + ["recover", "--id", "alice", "--password-stdin"], input: "nope\n")
        #expect(second.status == 10)
        #expect(second.stderr.contains("1 attempt remaining"))
        let last = try scratch.cofferctl(device + ["recover", "--id", "alice", "--password-stdin"], input: "nope\n")
        #expect(last.status == 11)
        #expect(last.stderr.contains("last attempt"))

        let afterwards = try scratch.cofferctl(device + ["recover", "--id", "alice", "--password-stdin"],
                                               input: password)
        #expect(afterwards.status == 11, "even the right password finds the key destroyed")
        #expect(try scratch.cofferctl(device + ["delete", "--id", "alice", "--password-stdin"], input: password)
            .status == 11)
    }

    @Test("register without --key prints a new key once, and recover gives the same key back (JSON)")
    func generatedKey() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        let device = ["--device", emulator.device, "--json"]
        let registered = try scratch.cofferctl(device + ["register", "--id", "bob", "--password-stdin"], input: "pw\n")
        #expect(registered.status == 0, "\(registered.stderr)")
        let key = try #require(try registered.object()["key"] as? String)
        #expect(key.count == 64)
        #expect(try registered.object()["attemptLimit"] as? Int == 10, "the device's default")
        let recovered = try scratch.cofferctl(device + ["recover", "--id", "bob", "--password-stdin"], input: "pw\n")
        #expect(try recovered.object()["key"] as? String == key)
    }

    @Test("an id registered twice is refused; delete frees it; a deleted or unknown id looks like a wrong password")
    func registerDeleteUnknown() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        let device = ["--device", emulator.device]
        #expect(try scratch.cofferctl(device + ["register", "--id", "carol", "--password-stdin"], input: "pw\n")
            .status == 0)
        let again = try scratch.cofferctl(device + ["register", "--id", "carol", "--password-stdin"], input: "pw\n")
        #expect(again.status == 1)
        #expect(again.stderr.contains("exists"))
        let wrongDelete = try scratch.cofferctl(device + ["delete", "--id", "carol", "--password-stdin"], input: "no\n")
        #expect(wrongDelete.status == 10)
        let deleted = try scratch.cofferctl(device + ["--json", "delete", "--id", "carol", "--password-stdin"],
                                            input: "pw\n")
        #expect(deleted.status == 0)
        #expect(try deleted.object()["deleted"] as? String == "ok")
        let gone = try scratch.cofferctl(device + ["recover", "--id", "carol", "--password-stdin"], input: "pw\n")
        #expect(gone.status == 10)
        let unknown = try scratch.cofferctl(device + ["recover", "--id", "nobody", "--password-stdin"], input: "pw\n")
        #expect(unknown.status == 10)
        #expect(unknown.stderr.contains("attempts remaining"))
    }
}
