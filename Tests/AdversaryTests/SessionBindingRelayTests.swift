import CTAPHID
import CofferProtocol
import Foundation
import OPAQUE
import Testing

/// Issue 9, findings 3, 4 and 5: what the device signs at registration and binds to the session at
/// login, checked by the built `cofferctl` through a relay that changes one byte. Each attack used
/// to go through with exit 0; now cofferctl refuses it and the device acts on nothing changed.
@Suite struct SessionBindingRelayTests {
    let vault: RelayedVault
    let cofferctl: CofferctlProcess
    let password = "c0rrect-h0rse-relay"
    let id = "bound-alice@example.org"

    init() throws {
        vault = try RelayedVault(seed: 0xB0DD_0001, name: "observer-only")
        cofferctl = CofferctlProcess(workspace: vault.device.workspace)
        try vault.device.workspace.write("key", Array((Self.hex(vault.backupKey.bytes) + "\n").utf8))
    }

    var device: [String] { ["--device", "udp://127.0.0.1:\(vault.relay.port)"] }
    static let registerStart = CTAPHIDCommand(rawValue: VaultOperation.registerStart.rawValue)
    static let loginFinish = CTAPHIDCommand(rawValue: VaultOperation.loginFinish.rawValue)

    func run(_ arguments: [String]) throws -> CofferctlProcess.Outcome {
        try cofferctl.run(device + arguments + ["--id", id, "--password-stdin"], stdin: password + "\n")
    }

    func register(limit: Int) throws -> CofferctlProcess.Outcome {
        try run(["register", "--key", vault.device.workspace.file("key"), "--attempt-limit", "\(limit)"])
    }

    var records: UInt16 { get throws { try GetInfoResponse(decoding: vault.observer.call(.getInfo)).recordCount } }

    /// Finding 3: a relay that substitutes the OPRF evaluation of the RegisterStart reply (it could
    /// then test passwords offline against the record the client would upload) is caught by the
    /// device's signature; nothing is registered.
    @Test func aChangedRegistrationAnswerIsRefusedBeforeARecordIsMade() throws {
        // Reply: status u8, registrationResponse bytes16 (evaluated element first).
        let tamper = MessageTamper(direction: .toClient, command: Self.registerStart, payloadOffset: 1 + 2 + 5)
        let outcome = try vault.tampered(tamper) { try register(limit: 5) }
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("not signed by its identity"), "\(outcome.stderr)")
        #expect(try records == 0)
        #expect(try register(limit: 5).status == 0, "the same registration without the relay's change")
    }

    /// Finding 5: the user asked for 3 guesses and the relay made it 255. The limit now travels in
    /// RegisterStart and comes back signed as applied; cofferctl refuses a limit it did not ask for,
    /// and a relay that edits the signed limit breaks the signature.
    @Test func aLimitChangedOnTheWayIsRefusedEitherWay() throws {
        // Request: version u8, id bytes8, attemptLimit u8. 3 ^ 0xFC = 0xFF.
        let asked = MessageTamper(
            direction: .toDevice, command: Self.registerStart, payloadOffset: 1 + 1 + id.utf8.count, mask: 0xFC)
        let raised = try vault.tampered(asked) { try register(limit: 3) }
        #expect(raised.status == 1)
        #expect(raised.stderr.contains("guess limit of 255, not the 3 asked for"), "\(raised.stderr)")
        #expect(try records == 0)
        // Reply: status u8, registrationResponse bytes16 (66 bytes), attemptLimit u8.
        let applied = MessageTamper(
            direction: .toClient, command: Self.registerStart, payloadOffset: 1 + 2 + 66, mask: 0xFC)
        let forged = try vault.tampered(applied) { try register(limit: 3) }
        #expect(forged.status == 1)
        #expect(forged.stderr.contains("not signed by its identity"), "\(forged.stderr)")
        #expect(try records == 0)
        #expect(try register(limit: 3).status == 0)
    }

    /// Finding 4: a relay turned a recover into a delete (the owner then met fake "wrong password"
    /// answers for ever). The intent is bound to the session: the device refuses the changed request
    /// and keeps the record, and the owner recovers the key afterwards.
    @Test func aRecoverTurnedIntoADeleteIsRefusedAndTheRecordStays() throws {
        try #require(try register(limit: 5).status == 0)
        // Request: version u8, KE3 bytes16 (32), intent u8: recover (2) ^ 1 = delete (3).
        let tamper = MessageTamper(direction: .toDevice, command: Self.loginFinish, payloadOffset: 1 + 2 + 32)
        let out = vault.device.workspace.file("turned")
        let turned = try vault.tampered(tamper) { try run(["recover", "--out", out]) }
        #expect(turned.status == 1, "\(turned.stderr)")
        #expect(turned.stderr.contains("requestNotAuthenticated"), "\(turned.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try records == 1, "the record was deleted")
        let again = vault.device.workspace.file("again")
        #expect(try run(["recover", "--out", again]).status == 0)
        let key = try String(contentsOfFile: again, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key == Self.hex(vault.backupKey.bytes))
    }

    /// The device's ok to LoginFinish is bound to the session too, so a relay cannot make cofferctl
    /// report a deposit or delete the device did not do: a changed tag is refused.
    @Test func anOkAnswerNotBoundToTheSessionIsNotBelieved() throws {
        try #require(try register(limit: 5).status == 0)
        // Reply: status u8, sealedKey bytes8 (empty for a delete), then the 32-byte binding.
        let tamper = MessageTamper(direction: .toClient, command: Self.loginFinish, payloadOffset: 1 + 1 + 9)
        let outcome = try vault.tampered(tamper) { try run(["delete"]) }
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("not bound to this session"), "\(outcome.stderr)")
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
    }
}
