import Foundation
import Testing

import func CofferTestSupport.seededBytes

/// The conventions users of such tools expect (issue 10, defects 7, 9 and 12): --version, a bare
/// group is a usage error, negative numbers reach validation, $COFFER_DEVICE only matters to
/// commands that use a device, device statuses as sentences, and a JSON error object for every
/// failure under --json.
@Suite(.serialized) struct ConventionTests {
    let scratch = Scratch()

    @Test("--version prints the release and the protocol")
    func version() throws {
        let result = try scratch.cofferctl(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Coffer protocol 2"), "\(result.stdout)")
    }

    @Test("a bare command group exits 64 with its usage on stderr", arguments: [[], ["backup"], ["admin"], ["dev"]])
    func bareGroup(arguments: [String]) throws {
        let result = try scratch.cofferctl(arguments)
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("USAGE: cofferctl"), "\(result.stderr)")
    }

    @Test("--attempt-limit -1 is refused for its range, not as a missing value",
          arguments: [["register", "--id", "a", "--password-stdin"], ["demo"], ["admin", "provision"]])
    func negativeLimit(command: [String]) throws {
        let result = try scratch.cofferctl(command + ["--attempt-limit", "-1"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("between"), "\(result.stderr)")
        #expect(!result.stderr.contains("Missing value"))
    }

    @Test("a bad $COFFER_DEVICE stops neither keygen nor backup; a command that needs a device names the variable")
    func bogusDeviceVariable() throws {
        let bogus = ["COFFER_DEVICE": "bogus"]
        #expect(try scratch.cofferctl(["keygen", "--out", scratch.file("key")], environment: bogus).status == 0)
        scratch.write(seededBytes(1000, seed: 1), to: "plain")
        #expect(try scratch.cofferctl(["backup", "encrypt", "--key", scratch.file("key"), scratch.file("plain"),
                                       scratch.file("backup")], environment: bogus).status == 0)
        let info = try scratch.cofferctl(["info"], environment: bogus)
        #expect(info.status == 64)
        #expect(info.stderr.contains("$COFFER_DEVICE"), "\(info.stderr)")
    }

    /// Runs `arguments` with --json and checks the failure object against the status.
    func failureObject(_ arguments: [String], input: String = "") throws -> (Int32, [String: Any]) {
        let result = try scratch.cofferctl(["--json"] + arguments, input: input)
        let object = try result.object()
        #expect(object.keys.sorted() == ["attemptsRemaining", "error", "status"], "\(object)")
        #expect(object["status"] as? Int == Int(result.status))
        #expect((object["error"] as? String).map { !$0.isEmpty } == true)
        return (result.status, object)
    }

    @Test("under --json every failure prints {error, status, attemptsRemaining} on stdout")
    func jsonErrors() throws {
        let device = ["--device", "embedded:" + scratch.file("state")]
        #expect(try scratch.cofferctl(device + ["register", "--id", "a", "--attempt-limit", "2", "--password-stdin"],
                                      input: "pw\n").status == 0)
        let (wrong, first) = try failureObject(device + ["recover", "--id", "a", "--password-stdin"], input: "x\n")
        #expect(wrong == 10 && first["attemptsRemaining"] as? Int == 1)
        let (destroyed, last) = try failureObject(device + ["recover", "--id", "a", "--password-stdin"], input: "x\n")
        #expect(destroyed == 11 && last["attemptsRemaining"] as? Int == 0)
        #expect(try failureObject(["nonsense"]).0 == 64)
        #expect(try failureObject(["keygen", "--out", scratch.file("state")]).0 == 1)
        scratch.write(Array("not a key\n".utf8), to: "badkey")
        #expect(try failureObject(["backup", "decrypt", "--key", scratch.file("badkey"), scratch.file("badkey"),
                                   scratch.file("out")]).0 == 65)
        #expect(try failureObject(["--device", "udp://127.0.0.1:9", "info"]).0 == 69)
        #expect(try failureObject(["backup"]).0 == 64)
    }

    @Test("an id that is not valid UTF-8 is refused; passwords are bytes as given (NFC and NFD differ)")
    func encodings() throws {
        let device = "--device \"embedded:$SCRATCH/state\""
        let invalid = try scratch.shell(
            "exec \"$COFFERCTL\" \(device) register --id \"$(printf 'a\\377')\" --password-stdin", input: "pw\n")
        #expect(invalid.status == 64, "\(invalid.stderr)")
        #expect(invalid.stderr.contains("not valid UTF-8"), "\(invalid.stderr)")
        let state = ["--device", "embedded:" + scratch.file("state")]
        let nfc = "caf\u{E9}\n"
        let nfd = "cafe\u{301}\n"
        #expect(try scratch.cofferctl(state + ["register", "--id", "a", "--password-stdin"], input: nfc).status == 0)
        #expect(try scratch.cofferctl(state + ["recover", "--id", "a", "--password-stdin"], input: nfd).status == 10)
        #expect(try scratch.cofferctl(state + ["recover", "--id", "a", "--password-stdin"], input: nfc).status == 0)
    }

    @Test("a device's refusal is a sentence, not the status's name")
    func statusSentence() throws {
        let result = try scratch.cofferctl(["admin", "zeroize", "--serial", "1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("not this device's"), "\(result.stderr)")
        #expect(!result.stderr.contains(": confirmationMismatch"), "the name only as a reference after the sentence")
    }

    @Test("a full store is reported before the password is asked")
    func storeFullBeforePassword() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), extra: ["--slots", "1"],
                                           in: scratch.path)
        let device = ["--device", emulator.device]
        let registered = try scratch.cofferctl(device + ["register", "--id", "a", "--password-stdin"], input: "pw\n")
        #expect(registered.status == 0, "\(registered.stderr)")
        // No --password-stdin and no terminal: asking for the password would fail with 64.
        let result = try run("/usr/bin/setsid", ["--wait", Binaries.cofferctl] + device + ["register", "--id", "b"],
                             environment: scratch.environment)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("no free slot"), "\(result.stderr)")
    }
}
