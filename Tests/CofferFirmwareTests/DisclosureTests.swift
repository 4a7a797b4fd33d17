// What each vault answer tells whoever carries it (docs/THREATS.md, first section): the claims
// there that are not already proven elsewhere.

import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import OPAQUE
import Testing

@testable import CofferFirmware

private let password = Array("pw".utf8)
private let backupKey = [UInt8](repeating: 0x33, count: 32)

@Test func unknownIDLoginWritesLikeARealOne() throws {
    let memories = ChipMemories()
    let vault = try operationalVault(memories)
    let client = TestClient(seed: 50)
    try client.enrol(vault, id: [1], password: password, backupKey: backupKey)
    let beforeReal = memories.power.completedWrites
    _ = try client.start(vault, id: [1], password: Array("guess".utf8), channel: 1)
    let realWrites = memories.power.completedWrites - beforeReal
    let beforeFake = memories.power.completedWrites
    _ = try client.start(vault, id: [2], password: Array("guess".utf8), channel: 1)
    #expect(memories.power.completedWrites - beforeFake == realWrites)
    #expect(realWrites == 1)
}

@Test func secondProbeRevealsARecordAtTheCostOfOneOfItsGuesses() throws {
    let vault = try operationalVault(ChipMemories())
    let client = TestClient(seed: 51)
    try client.enrol(vault, id: [1], password: password, backupKey: backupKey)
    func remaining(_ id: [UInt8]) throws -> UInt8 {
        let (reply, _) = try client.start(vault, id: id, password: Array("probe".utf8), channel: 1)
        return try LoginStartResponse(decoding: expectOK(reply)).attemptsRemaining
    }
    // One probe each: alike.
    #expect(try remaining([1]) == remaining([2]))
    // A second probe: the real record counts down, the unknown id does not.
    #expect(try remaining([1]) == 8)
    #expect(try remaining([2]) == 9)
}

@Test func tombstoneRevealsPastExistenceUntilItGivesWay() throws {
    let vault = try operationalVault(ChipMemories(slots: 1))
    let client = TestClient(seed: 52)
    try client.enrol(vault, id: [1], password: password, backupKey: backupKey, limit: 1)
    _ = try client.login(vault, id: [1], password: Array("bad".utf8), intent: .recover)
    #expect(try client.start(vault, id: [1], password: password, channel: 1).reply.status == .recordDestroyed)
    try expectOK(client.register(vault, id: [2], password: password))
    #expect(try client.start(vault, id: [1], password: password, channel: 1).reply.status == .ok)
}

@Test func replayedKE3IsRefused() throws {
    let vault = try operationalVault(ChipMemories())
    let client = TestClient(seed: 53)
    try client.enrol(vault, id: [1], password: password, backupKey: backupKey)
    let (reply, state) = try client.start(vault, id: [1], password: password, channel: 1)
    let ke2 = try KE2.deserialize(LoginStartResponse(decoding: expectOK(reply)).ke2, suite: testSuite)
    let finish = client.finishRequest(try client.client.generateKE3(state: state, ke2: ke2), id: [1], intent: .recover)
    try expectOK(vault.handle(finish, channel: 1))
    #expect(vault.handle(finish, channel: 1).status == .noPendingLogin)
    // Nor does it fit a new session.
    _ = try client.start(vault, id: [1], password: password, channel: 1)
    #expect(vault.handle(finish, channel: 1).status == .authenticationFailed)
}

@Test func sealedRecoveryOpensOnlyUnderTheSessionKey() throws {
    let vault = try operationalVault(ChipMemories())
    let client = TestClient(seed: 54)
    try client.enrol(vault, id: [1], password: password, backupKey: backupKey)
    let (reply, state) = try client.start(vault, id: [1], password: password, channel: 1)
    let ke2 = try KE2.deserialize(LoginStartResponse(decoding: expectOK(reply)).ke2, suite: testSuite)
    let result = try client.client.generateKE3(state: state, ke2: ke2)
    let body = try expectOK(
        vault.handle(client.finishRequest(result, id: [1], intent: .recover), channel: 1))
    let sealed = try LoginFinishResponse(decoding: body).sealedKey
    #expect(sealed.count == VaultLimits.sealedBackupKeyLength)
    #expect(!sealed.indices.contains { sealed[$0...].starts(with: backupKey.prefix(8)) })
    let right = try HKDF<SHA256>.deriveKey(
        ikm: result.sessionKey.bytes, salt: [], info: KeyTransport.recoverKeyInfo(credentialID: [1]), length: 32)
    let opened = try AESGCM.open(
        sealed, key: SecretBytes(right), nonce: KeyTransport.nonce, aad: KeyTransport.recoverAAD)
    #expect(opened == backupKey)
    var tampered = sealed
    tampered[0] ^= 1
    #expect(throws: CryptoError.self) {
        try AESGCM.open(tampered, key: SecretBytes(right), nonce: KeyTransport.nonce, aad: KeyTransport.recoverAAD)
    }
}
