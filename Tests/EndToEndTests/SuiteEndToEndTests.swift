import Foundation
import Testing

/// A ristretto255-SHA512 device made by `coffer-emulator init --suite`, served over UDP, and driven by
/// the built cofferctl with no suite flag: it follows GetInfo (Argon2id on the client, empty context).
@Suite(.serialized) struct SuiteEndToEndTests {
    let scratch = Scratch()

    /// `coffer-emulator init --suite ristretto255-sha512` in `state`, checked through its JSON report.
    private func initRistretto(_ state: String) throws {
        let made = try run(
            Binaries.emulator, ["init", "--state-dir", state, "--suite", "ristretto255-sha512", "--seed", "5eed"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("suite            ristretto255-sha512"), "\(made.stdout)")
    }

    @Test("init --suite ristretto255-sha512, then cofferctl registers, recovers and guesses down to destruction")
    func ristrettoStory() throws {
        let state = scratch.file("state")
        try initRistretto(state)
        let emulator = try EmulatorProcess(stateDirectory: state, seed: "5eed", in: scratch.path)
        let device = ["--device", emulator.device]
        let password = "correct horse battery staple\n"

        let info = try scratch.cofferctl(device + ["--json", "info"])
        #expect(info.status == 0, "\(info.stderr)")
        let described = try info.object()
        #expect(described["suite"] as? String == "ristretto255-sha512")
        #expect((described["akePublicKey"] as? String)?.count == 64, "a ristretto255 element is 32 bytes")
        #expect((described["identityPublicKey"] as? String)?.count == 66, "the identity stays ECDSA P-256")

        #expect(try scratch.cofferctl(["keygen", "--out", scratch.file("key")]).status == 0)
        let registered = try scratch.cofferctl(
            device + ["--json", "register", "--id", "alice", "--key", scratch.file("key"), "--attempt-limit", "3",
                      "--password-stdin"], input: password)
        #expect(registered.status == 0, "\(registered.stderr)")
        #expect(try registered.object()["attemptLimit"] as? Int == 3)

        let recovered = try scratch.cofferctl(
            device + ["recover", "--id", "alice", "--out", scratch.file("key2"), "--password-stdin"], input: password)
        #expect(recovered.status == 0, "\(recovered.stderr)")
        #expect(scratch.read("key2") == scratch.read("key"))

        let first = try scratch.cofferctl(device + ["recover", "--id", "alice", "--password-stdin"], input: "nope\n")
        #expect(first.status == 10, "\(first.stderr)")
        #expect(first.stderr.contains("2 attempts remaining"))
        let second = try scratch.cofferctl(device + ["recover", "--id", "alice", "--password-stdin"], input: "nope\n")
        #expect(second.status == 10)
        #expect(second.stderr.contains("1 attempt remaining"))
        let last = try scratch.cofferctl(device + ["recover", "--id", "alice", "--password-stdin"], input: "nope\n")
        #expect(last.status == 11)
        #expect(last.stderr.contains("last attempt"))
        let afterwards = try scratch.cofferctl(device + ["recover", "--id", "alice", "--password-stdin"],
                                               input: password)
        #expect(afterwards.status == 11, "even the right password finds the key destroyed")
    }

    @Test("a ristretto255 device refuses to start as P-256, naming its suite; embedded: follows its suite")
    func suiteIsBound() throws {
        let state = scratch.file("state")
        try initRistretto(state)
        // Were it not refused, the first durable write (the boot counter) would cut the power, so the
        // test ends either way.
        let refused = try run(
            Binaries.emulator,
            ["serve", "--state-dir", state, "--suite", "p256-sha256", "--port", "0", "--seed", "5eed",
             "--crash-after-writes", "1"])
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("serves ristretto255-sha512"), "\(refused.stderr)")
        #expect(refused.stderr.contains("as p256-sha256"), "\(refused.stderr)")

        let inspected = try run(Binaries.emulator, ["inspect", "--state-dir", state, "--json"])
        #expect(try inspected.object()["suite"] as? String == "ristretto255-sha512")

        // The in-process device reads its suite from the fuses too, and cofferctl follows it.
        let embedded = ["--device", "embedded:" + state]
        let registered = try scratch.cofferctl(embedded + ["register", "--id", "bob", "--password-stdin"],
                                               input: "pw\n")
        #expect(registered.status == 0, "\(registered.stderr)")
        let info = try scratch.cofferctl(embedded + ["--json", "info"]).object()
        #expect(info["suite"] as? String == "ristretto255-sha512")
        #expect(info["records"] as? Int == 1)
        let recovered = try scratch.cofferctl(embedded + ["recover", "--id", "bob", "--password-stdin"], input: "pw\n")
        #expect(recovered.status == 0, "\(recovered.stderr)")
    }

    @Test("a new device is P256-SHA256 unless --suite says otherwise")
    func defaultSuite() throws {
        let made = try run(Binaries.emulator, ["init", "--state-dir", scratch.file("state")])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("suite            p256-sha256"), "\(made.stdout)")
        let unknown = try run(Binaries.emulator, ["init", "--state-dir", scratch.file("other"), "--suite", "p384"])
        #expect(unknown.status == 64)
    }

    @Test("GetInfo signs what kind of device answers: an emulator, or a seeded one even when served without its seed")
    func deviceKind() throws {
        let plain = scratch.file("plain")
        let unseeded = try EmulatorProcess(stateDirectory: plain, seed: nil, in: scratch.path)
        let described = try scratch.cofferctl(["--device", unseeded.device, "--json", "info"])
        #expect(described.status == 0, "\(described.stderr)")
        #expect(try described.object()["kind"] as? String == "emulator")
        _ = unseeded.stop()

        let seededState = scratch.file("seeded")
        let seeded = try EmulatorProcess(stateDirectory: seededState, seed: "5eed", in: scratch.path)
        _ = seeded.stop()
        let later = try EmulatorProcess(stateDirectory: seededState, seed: nil, in: scratch.path)
        let text = try scratch.cofferctl(["--device", later.device, "info"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("kind        seeded emulator"), "\(text.stdout)")
        _ = later.stop()
    }
}
