import Foundation
import Testing

/// A secret written to stdout is checked and flushed (a key lost to a full disk or a closed stdout
/// is an error, never exit 0), and a stderr that cannot be written never crashes cofferctl or
/// changes its status (issue 10, defects 3 and 4).
@Suite(.serialized) struct OutputStreamTests {
    let scratch = Scratch()

    @Test("keygen into /dev/full or a closed stdout fails with 74 and says so", arguments: [">/dev/full", ">&-"])
    func keygenStdoutBroken(redirection: String) throws {
        let result = try scratch.shell("exec \"$COFFERCTL\" keygen \(redirection)")
        #expect(result.status == 74, "\(result.stderr)")
        #expect(result.stderr.contains("could not write the new backup key"), "\(result.stderr)")
    }

    @Test("keygen --json into /dev/full fails with 74")
    func keygenJSONFull() throws {
        let result = try scratch.shell("exec \"$COFFERCTL\" --json keygen >/dev/full")
        #expect(result.status == 74, "\(result.stderr)")
    }

    @Test("register without --key and recover into a broken stdout fail with 74; the record stays")
    func vaultKeyStdoutBroken() throws {
        let device = "--device \"embedded:$SCRATCH/state\""
        let registered = try scratch.shell("exec \"$COFFERCTL\" \(device) register --id a --password-stdin >/dev/full",
                                           input: "pw\n")
        #expect(registered.status == 74, "\(registered.stderr)")
        #expect(registered.stderr.contains("it is registered"), "\(registered.stderr)")
        for redirection in [">/dev/full", ">&-"] {
            let recovered = try scratch.shell(
                "exec \"$COFFERCTL\" \(device) recover --id a --password-stdin \(redirection)", input: "pw\n")
            #expect(recovered.status == 74, "\(redirection): \(recovered.stderr)")
            #expect(recovered.stderr.contains("could not write the recovered key"), "\(recovered.stderr)")
        }
        let again = try scratch.cofferctl(["--device", "embedded:" + scratch.file("state"), "recover", "--id", "a",
                                           "--password-stdin"], input: "pw\n")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.count == 65)
    }

    @Test("register without --key puts the key alone on stdout, the status line on stderr")
    func registerKeyAlone() throws {
        let result = try scratch.cofferctl(["--device", "embedded:" + scratch.file("state"), "register", "--id", "a",
                                            "--password-stdin"], input: "pw\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.count == 65 && result.stdout.hasSuffix("\n"), "\(result.stdout)")
        #expect(result.stderr.contains("registered a"))
    }

    @Test("a closed or full stderr neither crashes cofferctl nor changes its status",
          arguments: ["2>&-", "2>/dev/full"])
    func stderrBroken(redirection: String) throws {
        let device = "--device \"embedded:$SCRATCH/state\""
        #expect(try scratch.shell("exec \"$COFFERCTL\" \(device) register --id a --password-stdin \(redirection)",
                                  input: "pw\n").status == 0)
        let wrong = try scratch.shell("exec \"$COFFERCTL\" \(device) recover --id a --password-stdin \(redirection)",
                                      input: "nope\n")
        #expect(wrong.status == 10, "the counted guess's status, not a crash")
        #expect(try scratch.shell("exec \"$COFFERCTL\" keygen --out k \(redirection)").status == 0)
        #expect(try scratch.shell("exec \"$COFFERCTL\" keygen --out k \(redirection)").status == 1)
        #expect(try scratch.shell("exec \"$COFFERCTL\" nonsense \(redirection)").status == 64)
    }
}
