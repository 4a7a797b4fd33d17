import CofferProtocol
import OPAQUE
import Testing

/// The test client through a relay that records and changes bytes: the relay learns no secret, and
/// a changed byte of KE2, KE3 or the sealed key ends the login with no key released and the guess
/// counted.
@Suite struct BlindRelayTests {
    @Test func relayRecordingHoldsNoPasswordBackupKeyExportKeyOrSessionKey() throws {
        let vault = try RelayedVault(seed: 0xB11D_0001, name: "relay-alice@example.org")
        try vault.client.register(backupKey: vault.backupKey, attemptLimit: 0)
        let recovered = try vault.client.recover()
        #expect(constantTimeEqual(recovered.bytes, vault.backupKey.bytes))

        let search = RecordingSearch(vault.relay.recording)
        // The search works: what does cross in the clear is found.
        #expect(search.contains(vault.client.credentialID))
        let info = try GetInfoResponse(decoding: vault.observer.call(.getInfo))
        #expect(search.contains(info.akePublicKey), "RegistrationResponse carries the AKE key in the clear")
        // What must not cross is nowhere, whole or in 8-byte pieces, raw or as hex.
        #expect(!search.contains(vault.client.password.bytes), "the password crossed the relay")
        #expect(!search.contains(vault.backupKey.bytes), "the backup key crossed the relay")
        let secrets = vault.client.derivedSecrets
        #expect(secrets.filter { $0.name.contains("session key") }.count == 2)
        #expect(secrets.filter { $0.name.contains("export key") }.count == 3)
        for secret in secrets {
            #expect(!search.contains(secret.bytes), "the \(secret.name) crossed the relay")
        }
        print(
            "relay: \(vault.relay.recording.count) datagrams, \(search.size) bytes searched for "
                + "\(secrets.count + 2) secrets")
    }

    @Test func flippingAnyByteOfKE2FailsTheLoginWithoutTheKeyAndTheGuessCounts() throws {
        let vault = try RelayedVault(seed: 0xB11D_0002, name: "relay-ke2@example.org")
        try vault.client.register(backupKey: vault.backupKey, attemptLimit: 255)
        let positions = Array(0..<WireOffsets.ke2Length)
        // In rounds of 50 wrong logins, each round closed by a clean one whose answer shows that
        // every tampered login of the round was counted.
        let rounds = stride(from: 0, to: positions.count, by: 50).map { positions[$0..<min($0 + 50, positions.count)] }
        for round in rounds {
            for index in round {
                vault.tampered(WireOffsets.ke2(byte: index)) {
                    #expect(throws: ClientRefusal.self, "KE2 byte \(index)") { _ = try vault.client.recover() }
                }
            }
            try vault.expectCountersMatchTheClient()
            #expect(try vault.client.recover() == vault.backupKey)
            #expect(vault.client.lastAttemptsRemaining == UInt8(255 - round.count - 1))
        }
        try vault.expectCountersMatchTheClient()
    }

    @Test func flippingAnyByteOfKE3FailsTheLoginWithoutTheKeyAndTheGuessCounts() throws {
        let vault = try RelayedVault(seed: 0xB11D_0003, name: "relay-ke3@example.org")
        try vault.client.register(backupKey: vault.backupKey, attemptLimit: 255)
        for index in 0..<WireOffsets.ke3Length {
            vault.tampered(WireOffsets.ke3(byte: index)) {
                let refusal = DeviceRefusal(operation: .loginFinish, status: .authenticationFailed)
                #expect(throws: refusal, "KE3 byte \(index)") {
                    _ = try vault.client.recover()
                }
            }
        }
        try vault.expectCountersMatchTheClient()
        #expect(try vault.client.recover() == vault.backupKey)
        #expect(vault.client.lastAttemptsRemaining == UInt8(255 - WireOffsets.ke3Length - 1))
        try vault.expectCountersMatchTheClient()
    }

    @Test func flippingAnyByteOfTheRecoveredSealedKeyReleasesNothing() throws {
        let vault = try RelayedVault(seed: 0xB11D_0004, name: "relay-seal@example.org")
        try vault.client.register(backupKey: vault.backupKey, attemptLimit: 0)
        for index in 0..<WireOffsets.sealedKeyLength {
            vault.tampered(WireOffsets.recoveredSealedKey(byte: index)) {
                #expect(throws: ClientRefusal.sealedKey, "sealed key byte \(index)") { _ = try vault.client.recover() }
            }
            // The KE3 was valid, so the device re-based the record: the attempt counter rose and the
            // record is not worn down (48 such logins against a limit of 10).
            try vault.expectCountersMatchTheClient()
        }
        #expect(try vault.client.recover() == vault.backupKey)
    }

    @Test func flippingAnyByteOfTheDepositedSealedKeyIsRejected() throws {
        let vault = try RelayedVault(seed: 0xB11D_0005, name: "relay-deposit@example.org")
        try vault.client.register(backupKey: nil, attemptLimit: 0)
        for index in 0..<WireOffsets.sealedKeyLength {
            vault.tampered(WireOffsets.depositedSealedKey(byte: index)) {
                // The session binding covers the sealed key: the edit is refused before the seal is opened.
                let refusal = DeviceRefusal(operation: .loginFinish, status: .requestNotAuthenticated)
                #expect(throws: refusal, "byte \(index)") {
                    try vault.client.deposit(vault.backupKey)
                }
            }
        }
        try vault.expectCountersMatchTheClient()
        // Nothing was stored from a changed seal: the record still has no key, and takes the real one.
        #expect(throws: DeviceRefusal(operation: .loginFinish, status: .noKeyDeposited)) {
            _ = try vault.client.recover()
        }
        try vault.client.deposit(vault.backupKey)
        #expect(try vault.client.recover() == vault.backupKey)
        try vault.expectCountersMatchTheClient()
    }
}
