import CofferCrypto
import CofferProtocol
import OPAQUE
import Testing

/// Issue 9, finding 1: a relay that recorded a registration, or harvested OPRF answers before it,
/// gains no guess against the password it protects. Every attack runs through the relay against the
/// built emulator; the attacker's own requests go to the device on a channel of its own.
@Suite struct RegistrationReplayTests {
    /// A captured RegisterFinish once reset the guess counter without end: spend the guesses, replay
    /// the record onto the tombstone, guess again. Now the finish alone has nothing to finish, and
    /// the whole registration replayed stores a record under a fresh OPRF key, where the recorded
    /// envelope opens for no password, not even the owner's.
    @Test func aRecordedRegistrationReplayedOntoItsTombstoneGivesNoGuessBack() throws {
        let vault = try RelayedVault(seed: 0xAE91_0001, name: "replay-alice@example.org")
        try vault.client.register(backupKey: vault.backupKey, attemptLimit: 3)
        let recorded = RecordedMessages(vault.relay.recording)
        let start = try #require(recorded.requests(.registerStart).last)
        let finish = try #require(recorded.requests(.registerFinish).last)

        let attacker = try vault.attacker(password: "hunter2")
        // The deposit counted one login and re-based; three wrong guesses use the limit up.
        for guess in 1...3 {
            #expect(throws: ClientRefusal.self, "guess \(guess)") { _ = try attacker.recover() }
        }
        #expect(throws: DeviceRefusal(operation: .loginStart, status: .recordDestroyed)) { _ = try attacker.recover() }

        #expect(try attacker.send(finish).status == .noPendingRegistration, "a replayed finish found a registration")
        #expect(try attacker.send(start).status == .ok)
        #expect(try attacker.send(finish).status == .ok)
        // The record is back in the slot, but under an OPRF key its envelope was never made with.
        #expect(throws: ClientRefusal.ke2(.envelopeRecoveryError)) { _ = try vault.client.recover() }
        #expect(throws: ClientRefusal.ke2(.envelopeRecoveryError)) { _ = try attacker.recover() }
    }

    /// The finish of a registration goes to the registration started on its channel, once: a
    /// second copy of it, or one sent on another channel, finds nothing to finish.
    @Test func aRegistrationFinishesOnceAndOnlyOnItsOwnChannel() throws {
        let vault = try RelayedVault(seed: 0xAE91_0002, name: "replay-bob@example.org")
        let attacker = try vault.attacker(password: "hunter2")
        let owner = try vault.attacker(password: "owner's")
        // The owner's RegisterStart and RegisterFinish, each sent by hand so the relay's copy is at hand.
        try vault.client.register(backupKey: nil, attemptLimit: 5)
        let recorded = RecordedMessages(vault.relay.recording)
        let finish = try #require(recorded.requests(.registerFinish).last)
        try vault.client.delete()
        #expect(try attacker.send(finish).status == .noPendingRegistration)
        // A start on one channel does not let a finish on another through.
        let start = try #require(recorded.requests(.registerStart).last)
        #expect(try owner.send(start).status == .ok)
        #expect(try attacker.send(finish).status == .noPendingRegistration)
        #expect(try owner.send(finish).status == .ok)
        #expect(try owner.send(finish).status == .noPendingRegistration, "a registration finished twice")
    }

    /// OPRF answers the device gives before a registration (RegisterStart for a free id, the fake
    /// KE2 of an unknown id) once came under the key that id's record would have: harvest them for
    /// many guesses uncounted, spend one counted login after the registration, test every harvested
    /// guess offline. Now each registration has its own key and fake logins another, so no harvested
    /// answer tests a guess; the same offline test does find the password with an answer under the
    /// record's own key (the control).
    @Test func oprfAnswersHarvestedBeforeTheRegistrationTestNoGuessAfterIt() throws {
        let vault = try RelayedVault(seed: 0xAE91_0003, name: "harvest-carol@example.org")
        let id = vault.client.credentialID
        let attacker = try vault.attacker(password: "unused")
        var oracle = OfflineGuessOracle(seed: 0xAE91_0003)
        let guesses = ["123456", "password", "letmein"].map { SecretBytes(Array($0.utf8)) } + [vault.client.password]

        var harvest: [(guess: Int, source: String, state: ClientLoginState<P256SHA256Suite>, evaluated: [UInt8])] = []
        for (index, guess) in guesses.enumerated() {
            let (ke1, state) = try oracle.ke1(password: guess)
            let fake = try LoginStartResponse(
                decoding: attacker.call(.loginStart(LoginStartRequest(credentialID: id, ke1: ke1.serialize()))))
            harvest.append((index, "fake KE2", state, Array(fake.ke2.prefix(OfflineGuessOracle.elementLength))))
            let started = try RegisterStartResponse(
                decoding: attacker.call(
                    .registerStart(RegisterStartRequest(credentialID: id, attemptLimit: 0, registrationRequest:
                        Array(ke1.serialize().prefix(OfflineGuessOracle.elementLength))))))
            harvest.append(
                (index, "RegisterStart", state, Array(started.registrationResponse.prefix(OfflineGuessOracle.elementLength))))
        }

        // The owner registers through the relay, after the harvest; the attacker spends one guess.
        try vault.client.register(backupKey: vault.backupKey, attemptLimit: 10)
        let (ke1, _) = try oracle.ke1(password: guesses[0])
        let counted = try LoginStartResponse(
            decoding: attacker.call(.loginStart(LoginStartRequest(credentialID: id, ke1: ke1.serialize())))).ke2

        for entry in harvest {
            #expect(
                oracle.opensEnvelope(state: entry.state, evaluated: entry.evaluated, ke2: counted) == false,
                "the \(entry.source) answer harvested for guess \(entry.guess) tests it offline")
        }
        // Control: an answer under the record's own key, for the right password, opens the envelope of
        // the counted KE2 the same way.
        let (rightKE1, rightState) = try oracle.ke1(password: vault.client.password)
        let own = try LoginStartResponse(
            decoding: attacker.call(.loginStart(LoginStartRequest(credentialID: id, ke1: rightKE1.serialize())))).ke2
        #expect(
            oracle.opensEnvelope(
                state: rightState, evaluated: Array(own.prefix(OfflineGuessOracle.elementLength)), ke2: counted),
            "the offline test cannot recognise the password even under the right key")
    }
}

/// What an attacker does offline with one KE2 and an OPRF evaluation it got elsewhere: puts the
/// evaluation in place of the KE2's own and lets the OPAQUE client try to open the envelope. The
/// envelope opens only if the evaluation is of the right password under the record's OPRF key; the
/// server MAC fails afterwards either way (the transcript is not the server's), which still tells
/// the attacker that the guess was right.
struct OfflineGuessOracle {
    static let elementLength = 33
    private let opaque = OPAQUEClient(suite: P256SHA256Suite(keyStretching: .identity), context: VaultOPAQUE.context)
    private var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    mutating func ke1(password: SecretBytes) throws -> (KE1<P256SHA256Suite>, ClientLoginState<P256SHA256Suite>) {
        var blind: SecretBytes
        repeat {
            blind = SecretBytes(generator.bytes(32))
        } while (try? opaque.suite.group.deserializeScalar(blind.bytes)) == nil
        return try opaque.generateKE1(
            password: password, blind: blind, clientNonce: generator.bytes(32),
            clientKeyshareSeed: SecretBytes(generator.bytes(32)))
    }

    func opensEnvelope(state: ClientLoginState<P256SHA256Suite>, evaluated: [UInt8], ke2 bytes: [UInt8]) -> Bool {
        guard let ke2 = try? KE2.deserialize(evaluated + bytes.dropFirst(Self.elementLength), suite: opaque.suite)
        else { return false }
        do {
            _ = try opaque.generateKE3(state: state, ke2: ke2)
            return true
        } catch .envelopeRecoveryError {
            return false
        } catch {
            return true
        }
    }
}

extension RelayedVault {
    /// Another host of the relay's: a client of the same id with `password`, on its own channel
    /// straight to the device.
    func attacker(password: String) throws -> HonestVaultClient {
        var generator = SeededGenerator(seed: UInt64(password.utf8.count) &* 0x9E37_79B9)
        return HonestVaultClient(
            channel: try PatientChannel(port: device.port, generator: generator.split()),
            credentialID: client.credentialID, password: SecretBytes(Array(password.utf8)), generator: generator)
    }
}
