import CofferCrypto
import CofferEmulator
import CofferTestSupport
import Foundation
import Testing

/// Issue 9, finding 2, as the attacker ran it: the client pinned device A through a relay, then the
/// relay was pointed at device B. The built `cofferctl` must refuse B (exit 1, nothing sent that
/// changes B) until the user says `--trust-new-device`, and must then refuse A in turn.
@Suite(.serialized) struct PinDeviceSwapTests {
    let deviceA: ServedDevice
    let deviceB: ServedDevice
    let relay: BlindRelay
    /// The user's cofferctl: its pins live in its own workspace, apart from both devices.
    let user = CofferctlProcess(workspace: TemporaryDirectory())
    let password = "correct horse battery staple"
    let key = String(repeating: "5a", count: 32)
    static let seedB = "00000000000b0b0b"

    init() throws {
        deviceA = try ServedDevice(seed: "00000000000a0a0a", slots: 4)
        deviceB = try ServedDevice(seed: Self.seedB, slots: 4)
        relay = try BlindRelay(devicePort: deviceA.port)
        try user.workspace.write("key", Array((key + "\n").utf8))
    }

    var device: [String] { ["--device", "udp://127.0.0.1:\(relay.port)"] }

    func register(_ id: String, _ extra: [String] = []) throws -> CofferctlProcess.Outcome {
        try user.run(device + extra + ["register", "--id", id, "--key", user.workspace.file("key"), "--password-stdin"],
                     stdin: password + "\n")
    }

    func recover(_ id: String, _ extra: [String] = []) throws -> (CofferctlProcess.Outcome, key: String?) {
        let out = user.workspace.file("recovered-\(UUID().uuidString)")
        let outcome = try user.run(device + extra + ["recover", "--id", id, "--out", out, "--password-stdin"],
                                   stdin: password + "\n")
        let key = (try? String(contentsOfFile: out, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return (outcome, key)
    }

    /// ssh's form: "SHA256:" and the unpadded base64 of SHA-256 of the identity public key.
    func fingerprint(_ identityHex: String) throws -> String {
        let identity = try #require(Hex.decode(identityHex))
        return "SHA256:" + Data(SHA256.hash(identity)).base64EncodedString().trimmingCharacters(in: ["="])
    }

    /// A device's identity key, asked of it directly (not through the relay) with pins of its own.
    func identity(ofDeviceOn port: UInt16) throws -> String {
        let observer = CofferctlProcess(workspace: TemporaryDirectory())
        let info = try observer.run(["--device", "udp://127.0.0.1:\(port)", "--json", "info"], stdin: "")
        try #require(info.status == 0, "info: \(info.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any]
        return try #require(object?["identityPublicKey"] as? String)
    }

    @Test func aRelayPointedAtAnotherDeviceIsRefusedUntilTheUserTrustsItAndThenTheFirstIsRefused() throws {
        defer { relay.stop() }
        let identityA = try identity(ofDeviceOn: deviceA.port)

        // The user registers through the relay: device A is pinned for the relay's address.
        let first = try register("alice")
        try #require(first.status == 0, "register on A: \(first.stderr)")
        #expect(first.stderr.contains(try fingerprint(identityA)), "first contact names the new identity")

        // The attacker points the relay at B. Nothing that could change B may go through.
        try relay.point(at: deviceB.port)
        let registerOnB = try register("alice")
        #expect(registerOnB.status == 1, "register on B: exit \(registerOnB.status): \(registerOnB.stderr)")
        let (recoverOnB, recoveredKey) = try recover("alice")
        #expect(recoverOnB.status == 1, "recover on B: exit \(recoverOnB.status): \(recoverOnB.stderr)")
        #expect(recoveredKey == nil)
        let deleteOnB = try user.run(device + ["delete", "--id", "alice", "--password-stdin"], stdin: password + "\n")
        #expect(deleteOnB.status == 1, "delete on B: exit \(deleteOnB.status): \(deleteOnB.stderr)")
        let infoOnB = try user.run(device + ["info"], stdin: "")
        #expect(infoOnB.status == 1, "info on B: exit \(infoOnB.status): \(infoOnB.stderr)")

        // B was not touched: no record, no slot counter, no login of an unknown id.
        let untouched = try deviceB.stopAndInspect()
        #expect(untouched.records == 0 && untouched.tombstones == 0, "B holds \(untouched.records) records")
        #expect(untouched.usedSlots.isEmpty, "B's slots were used: \(untouched.usedSlots)")
        #expect(untouched.unknownLogins == 0, "B answered \(untouched.unknownLogins) logins")

        // The refusal says what happened and how to accept it: the pin file, both fingerprints, the flag.
        let fingerprintA = try fingerprint(identityA)
        let fingerprintB = try fingerprint(untouched.identityPublicKey)
        let pins = user.workspace.file("pins")
        for refusal in [registerOnB, recoverOnB, deleteOnB, infoOnB] {
            #expect(refusal.stderr.contains("DEVICE IDENTITY CHANGED"), "\(refusal.stderr)")
            #expect(refusal.stderr.contains(fingerprintA) && refusal.stderr.contains(fingerprintB), "\(refusal.stderr)")
            #expect(refusal.stderr.contains(pins + "/"), "\(refusal.stderr)")
            #expect(refusal.stderr.contains("--trust-new-device"), "\(refusal.stderr)")
            #expect(refusal.stdout.isEmpty)
        }

        // The user decides B is theirs: with --trust-new-device the pin is replaced, loudly.
        let restarted = try EmulatorProcess(
            ["serve", "--state-dir", deviceB.stateDir, "--port", "0", "--ready-file",
             deviceB.workspace.file("ready-again"), "--seed", Self.seedB, "--slots", "4"],
            stderrPath: deviceB.workspace.file("emulator-again.log"))
        try relay.point(at: try restarted.waitUntilReady().port)
        let trusted = try register("alice", ["--trust-new-device"])
        #expect(trusted.status == 0, "register --trust-new-device: \(trusted.stderr)")
        #expect(trusted.stderr.contains("replaced") && trusted.stderr.contains(fingerprintB), "\(trusted.stderr)")
        let (recovered, key) = try recover("alice")
        #expect(recovered.status == 0 && key == self.key, "recover on B once trusted: \(recovered.stderr)")

        // Now A is the stranger at this address.
        try relay.point(at: deviceA.port)
        let (backOnA, keyFromA) = try recover("alice")
        #expect(backOnA.status == 1 && keyFromA == nil, "recover on A after trusting B: \(backOnA.stderr)")
        #expect(backOnA.stderr.contains(fingerprintA) && backOnA.stderr.contains(fingerprintB))

        #expect(restarted.stop() == 0)
        let report = try EmulatorProcess.run(["inspect", "--state-dir", deviceB.stateDir, "--json"])
        let afterTrust = try JSONDecoder().decode(DeviceReport.self, from: Data(report.stdout.utf8))
        #expect(afterTrust.records == 1)
    }
}
