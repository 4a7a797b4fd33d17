import CofferCrypto
import CofferTestSupport
import OPAQUE
import Testing
@testable import CofferHost

/// The vault client against the firmware in this process (the default `embedded` device).
@Suite struct EmbeddedVaultTests {
    @Test("ping, wink and a verified identity on the in-memory device")
    func deviceChecks() throws {
        let transport = try DeviceConnector.open(.embedded(stateDirectory: nil))
        #expect(try DeviceCheck.ping(transport, payload: [1, 2, 3]).bytes == 3)
        try DeviceCheck.wink(transport)
        let client = VaultClient(transport: transport, pins: nil)
        let device = try client.verifiedDevice()
        #expect(device.info.lifecycle == .operational)
        #expect(device.pin == nil)
    }

    @Test("register, recover, wrong guesses down to destruction")
    func story() throws {
        let client = VaultClient(transport: try DeviceConnector.open(.embedded(stateDirectory: nil)), pins: nil,
                                 random: SeededRandom(seed: [9]))
        let key = BackupKey.generate(random: SeededRandom(seed: [10]))
        let id = Array("alice".utf8)
        let password = SecretBytes(Array("pw".utf8))
        #expect(try client.register(id: id, password: password, backupKey: key, attemptLimit: 2) == 2)
        #expect(try client.recover(id: id, password: password) == key)
        #expect(throws: VaultError.wrongPassword(attemptsRemaining: 1)) {
            try client.recover(id: id, password: SecretBytes(Array("no".utf8)))
        }
        #expect(throws: VaultError.keyDestroyed(justNow: true)) {
            try client.recover(id: id, password: SecretBytes(Array("no".utf8)))
        }
        #expect(throws: VaultError.keyDestroyed(justNow: false)) { try client.recover(id: id, password: password) }
    }

    @Test("an id registered twice is refused; ids outside 1...64 bytes are usage errors")
    func ids() throws {
        let client = VaultClient(transport: try DeviceConnector.open(.embedded(stateDirectory: nil)), pins: nil)
        let key = BackupKey.generate()
        let password = SecretBytes(Array("pw".utf8))
        _ = try client.register(id: [1], password: password, backupKey: key, attemptLimit: nil)
        #expect(throws: VaultError.credentialExists) {
            try client.register(id: [1], password: password, backupKey: key, attemptLimit: nil)
        }
        #expect(throws: VaultError.invalidCredentialID) { try client.recover(id: [], password: password) }
        #expect(VaultError.invalidCredentialID.exitStatus == .usage)
    }
}
