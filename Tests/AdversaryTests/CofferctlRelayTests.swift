import CofferProtocol
import CofferTestSupport
import Foundation
import OPAQUE
import Testing

/// The built `cofferctl` (scrypt and all) through the blind relay: what the relay records, and what
/// a relay that changes one byte can do to a real client's login.
@Suite struct CofferctlRelayTests {
    let vault: RelayedVault
    let cofferctl: CofferctlProcess
    let password = "tr0ub4dor&3-relay-test"
    let id = "cli-alice@example.org"

    init() throws {
        vault = try RelayedVault(seed: 0xC11_0001, name: "observer-only")
        cofferctl = CofferctlProcess(workspace: vault.device.workspace)
        try vault.device.workspace.write("key", Array((hex(vault.backupKey.bytes) + "\n").utf8))
    }

    var device: [String] { ["--device", "udp://127.0.0.1:\(vault.relay.port)"] }

    func register(_ id: String) throws -> CofferctlProcess.Outcome {
        try cofferctl.run(
            device + ["register", "--id", id, "--key", vault.device.workspace.file("key"), "--password-stdin"],
            stdin: password + "\n")
    }

    /// Recovers into a new file; the key it holds, if the run succeeded.
    func recover(_ id: String) throws -> (CofferctlProcess.Outcome, key: String?) {
        let out = vault.device.workspace.file("recovered-\(UUID().uuidString)")
        let outcome = try cofferctl.run(
            device + ["recover", "--id", id, "--out", out, "--password-stdin"], stdin: password + "\n")
        let key = (try? String(contentsOfFile: out, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return (outcome, key)
    }

    @Test func cofferctlThroughARecordingRelayLeaksNoPasswordOrBackupKey() throws {
        let registered = try register(id)
        try #require(registered.status == 0, "register: \(registered.stderr)")
        let (recovered, key) = try recover(id)
        try #require(recovered.status == 0, "recover: \(recovered.stderr)")
        #expect(key == hex(vault.backupKey.bytes))

        let search = RecordingSearch(vault.relay.recording)
        #expect(search.contains(Array(id.utf8)), "the search finds what crosses in the clear")
        #expect(!search.contains(Array(password.utf8)), "the password crossed the relay")
        #expect(!search.contains(vault.backupKey.bytes), "the backup key crossed the relay")
        for output in [registered, recovered] {
            #expect(!output.stdout.contains(password) && !output.stderr.contains(password))
        }
        print("cofferctl relay: \(vault.relay.recording.count) datagrams, \(search.size) bytes searched")
    }

    /// One changed byte per login, in each of KE2, KE3 and the recovered sealed key (first, middle,
    /// last byte): cofferctl fails, no key reaches its output, and the device counted the login.
    @Test func cofferctlLoginThroughATamperingRelayFailsWithoutTheKeyAndCountsTheGuess() throws {
        try #require(try register(id).status == 0)
        // The sealed-key changes come first: they re-base the record, so the KE2 and KE3 changes
        // after them are still counted against it at the end.
        // The exit status the user sees: a changed evaluation, nonce or masked response reads as a
        // wrong password (10); a changed server MAC fails server authentication, as does a KE3 or
        // sealed key the relay changed after the password was proven (1).
        let tampers: [(String, MessageTamper, rebases: Bool, status: Int32)] =
            [0, WireOffsets.sealedKeyLength - 1].map {
                ("sealed key byte \($0)", WireOffsets.recoveredSealedKey(byte: $0), true, 1)
            }
            + [(0, Int32(10)), (WireOffsets.ke2Length / 2, 10), (WireOffsets.ke2Length - 1, 1)].map {
                ("KE2 byte \($0.0)", WireOffsets.ke2(byte: $0.0), false, $0.1)
            }
            + [0, WireOffsets.ke3Length - 1].map { ("KE3 byte \($0)", WireOffsets.ke3(byte: $0), false, 10) }
        var expected = try vault.slotCounters()
        var unreset = 0
        for (name, tamper, rebases, status) in tampers {
            let (outcome, key) = try vault.tampered(tamper) { try recover(id) }
            #expect(outcome.status == status, "\(name): cofferctl exited \(outcome.status): \(outcome.stderr)")
            #expect(key == nil, "\(name): a key was written")
            #expect(!outcome.stdout.contains(hex(vault.backupKey.bytes)), "\(name): the key was printed")
            // The guess counts: the attempt counter rose by one. Only a login whose KE3 verified
            // (the sealed key was changed after it) re-based the record, which is a slot write.
            expected.attempts += 1
            if rebases { expected.version += 1; unreset = 0 } else { unreset += 1 }
            #expect(try vault.slotCounters() == expected, "\(name)")
        }
        // The record is intact and the KE2 and KE3 logins stayed counted (no valid KE3 re-based it):
        // a wrong password now uses the 6th of the default 10 attempts.
        #expect(unreset == 5)
        let wrong = try cofferctl.run(device + ["recover", "--id", id, "--password-stdin"], stdin: "not it\n")
        #expect(wrong.status == 10)
        #expect(wrong.stderr.contains("\(10 - unreset - 1) attempts remaining"), "\(wrong.stderr)")
        let (clean, key) = try recover(id)
        #expect(clean.status == 0 && key == hex(vault.backupKey.bytes))
    }

    @Test func cofferctlRegisterThroughARelayThatChangesTheDepositEndsWithNoKeyStored() throws {
        let (outcome) = try vault.tampered(WireOffsets.depositedSealedKey(byte: 7)) { try register(id) }
        #expect(outcome.status != 0, "register reported success with a rejected deposit")
        let (recovered, key) = try recover(id)
        #expect(recovered.status != 0 && key == nil, "a key was recovered after a rejected deposit")
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
    }
}
