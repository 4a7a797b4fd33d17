import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import OPAQUE
import Testing

@testable import CofferFirmware

private let password = Array("pw".utf8)

@Test func deviceWalksBlankManufacturedOperational() throws {
    let memories = ChipMemories()
    let vault = try memories.boot()
    #expect(vault.lifecycle == .blank)
    #expect(try info(vault).identityPublicKey.isEmpty)
    try expectOK(vault.handle(.manufacture(ManufactureRequest(serial: 77)), channel: 0))
    #expect(vault.lifecycle == .manufactured)
    #expect(try memories.boot().lifecycle == .manufactured)
    try expectOK(vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 4)), channel: 0))
    #expect(vault.lifecycle == .operational)
    let described = try info(memories.boot())
    #expect(described.lifecycle == .operational)
    #expect(described.serial == 77)
    #expect(described.defaultAttemptLimit == 4)
    #expect(described.slotCount == 8)
}

@Test func eachStateRefusesWhatItDoesNotAllow() throws {
    let memories = ChipMemories()
    let vault = try memories.boot()
    let login = VaultRequest.loginStart(LoginStartRequest(credentialID: [1], ke1: [1]))
    #expect(vault.handle(login, channel: 0).status == .notAllowedInState)
    #expect(vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 3)), channel: 0).status == .notAllowedInState)
    #expect(vault.handle(.zeroize(ZeroizeRequest(serial: 0)), channel: 0).status == .notAllowedInState)
    try expectOK(vault.handle(.manufacture(ManufactureRequest(serial: 1)), channel: 0))
    #expect(vault.handle(.manufacture(ManufactureRequest(serial: 2)), channel: 0).status == .notAllowedInState)
    #expect(vault.handle(login, channel: 0).status == .notAllowedInState)
    try expectOK(vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 3)), channel: 0))
    #expect(vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 3)), channel: 0).status == .notAllowedInState)
    try expectOK(vault.handle(.zeroize(ZeroizeRequest(serial: 1)), channel: 0))
    for request in [
        VaultRequest.manufacture(ManufactureRequest(serial: 1)), login,
        .provision(ProvisionRequest(defaultAttemptLimit: 3)), .zeroize(ZeroizeRequest(serial: 1)),
    ] {
        #expect(vault.handle(request, channel: 0).status == .notAllowedInState)
    }
    #expect(try info(vault).lifecycle == .zeroized)
}

@Test func lifecycleTableMatchesTheDocumentedOne() {
    let expected: [Lifecycle: Set<VaultOperation>] = [
        .blank: [.getInfo, .counters, .manufacture],
        .manufactured: [.getInfo, .counters, .provision, .zeroize],
        .provisioned: [.getInfo, .counters, .provision, .zeroize],
        .operational: [.getInfo, .counters, .registerStart, .registerFinish, .loginStart, .loginFinish, .zeroize],
        .zeroized: [.getInfo, .counters],
    ]
    for (state, allowed) in expected {
        for operation in VaultOperation.allCases {
            #expect(state.allows(operation) == allowed.contains(operation), "\(state) \(operation)")
        }
    }
}

@Test func attemptLimitZeroIsRefusedAtProvisioning() throws {
    let vault = try ChipMemories().boot()
    try expectOK(vault.handle(.manufacture(ManufactureRequest(serial: 1)), channel: 0))
    #expect(
        vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 0)), channel: 0).status == .invalidAttemptLimit)
}

@Test func provisioningCutOffResumes() throws {
    // Provisioning writes: lifecycle counter, header, lifecycle counter.
    for allowed in 0..<3 {
        let memories = ChipMemories()
        let vault = try memories.boot()
        try expectOK(vault.handle(.manufacture(ManufactureRequest(serial: 1)), channel: 0))
        memories.power.cut(afterWrites: allowed)
        #expect(
            vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: 3)), channel: 0).status == .storageFailure)
        let restarted = try memories.boot()
        #expect(restarted.lifecycle == (allowed == 0 ? .manufactured : .provisioned))
        try expectOK(restarted.handle(.provision(ProvisionRequest(defaultAttemptLimit: 3)), channel: 0))
        try TestClient(seed: 30).enrol(
            restarted, id: [1], password: password, backupKey: [UInt8](repeating: 1, count: 32))
    }
}

@Test func zeroizeNeedsTheSerial() throws {
    let vault = try operationalVault(ChipMemories(), serial: 55)
    #expect(vault.handle(.zeroize(ZeroizeRequest(serial: 56)), channel: 0).status == .confirmationMismatch)
    #expect(vault.lifecycle == .operational)
}

@Test func zeroizeDestroysEverythingAndFlashRollbackCannotUndoIt() throws {
    let memories = ChipMemories()
    let vault = try operationalVault(memories, serial: 9)
    let client = TestClient(seed: 31)
    try client.enrol(vault, id: [1], password: password, backupKey: [UInt8](repeating: 1, count: 32))
    let saved = memories.flash.image
    try expectOK(vault.handle(.zeroize(ZeroizeRequest(serial: 9)), channel: 0))
    #expect(memories.flash.image.allSatisfy { $0 == 0xFF })
    let described = try info(vault)
    #expect(described.lifecycle == .zeroized)
    #expect(described.akePublicKey.isEmpty && described.identityPublicKey.isEmpty)
    memories.flash.image = saved
    let restarted = try memories.boot()
    #expect(restarted.lifecycle == .zeroized)
    #expect(try client.login(restarted, id: [1], password: password, intent: .recover) == .refused(.notAllowedInState))
    // Boot finished the erase again.
    #expect(memories.flash.image.allSatisfy { $0 == 0xFF })
}

@Test func zeroizeCutOffAfterTheCounterStillZeroizes() throws {
    let memories = ChipMemories()
    let vault = try operationalVault(memories, serial: 9)
    try TestClient(seed: 32).enrol(vault, id: [1], password: password, backupKey: [UInt8](repeating: 1, count: 32))
    memories.power.cut(afterWrites: 1)
    _ = vault.handle(.zeroize(ZeroizeRequest(serial: 9)), channel: 0)
    let restarted = try memories.boot()
    #expect(restarted.lifecycle == .zeroized)
    #expect(memories.flash.image.allSatisfy { $0 == 0xFF })
}

@Test func identitySignsTheAKEKey() throws {
    let vault = try operationalVault(ChipMemories(), serial: 123)
    let described = try info(vault)
    let key = try ECDSAVerifyingKey(sec1: described.identityPublicKey)
    let message = IdentityStatement.message(
        serial: 123, deviceKind: described.deviceKind, akePublicKey: described.akePublicKey)
    #expect(key.isValidSignature(described.identitySignature, for: message))
    #expect(!key.isValidSignature(described.identitySignature, for: message + [0]))
    // The kind is signed: a relay that makes an emulator claim to be a chip breaks the signature.
    #expect(described.deviceKind == .emulator)
    let claimed = IdentityStatement.message(serial: 123, deviceKind: .hardware, akePublicKey: described.akePublicKey)
    #expect(!key.isValidSignature(described.identitySignature, for: claimed))
}

@Test func foreignFlashOpensNoSlot() throws {
    let first = ChipMemories()
    let client = TestClient(seed: 33)
    try client.enrol(
        try operationalVault(first, serial: 1), id: [1], password: password, backupKey: [UInt8](repeating: 1, count: 32)
    )
    let second = ChipMemories(seed: 2)
    _ = try operationalVault(second, serial: 2)
    second.flash.image = first.flash.image
    // The thief's device may even copy the counters: without the first UDS nothing opens.
    let thief = try second.boot()
    #expect(try info(thief).recordCount == 0)
    #expect(try client.login(thief, id: [1], password: password, intent: .recover) == .refused(.storeUnavailable))
    #expect(try client.register(thief, id: [2], password: password).status == .storeUnavailable)
}

@Test func flashWipedUnderARunningDeviceIsNotSilentlyReset() throws {
    let memories = ChipMemories()
    let client = TestClient(seed: 34)
    try client.enrol(
        try operationalVault(memories), id: [1], password: password, backupKey: [UInt8](repeating: 1, count: 32))
    memories.flash.image = [UInt8](repeating: 0xFF, count: memories.flash.image.count)
    let restarted = try memories.boot()
    #expect(try client.register(restarted, id: [2], password: password).status == .storeUnavailable)
}

@Test func tooSmallCounterBankRefusesToBoot() {
    let memories = ChipMemories(slots: 4)
    let board = ChipBoard(
        fuses: memories.fuses, counters: MemoryCounterBank(count: 3), flash: memories.flash,
        entropy: SeededEntropy(seed: 1), engine: TestEngine(suite: testSuite))
    #expect(throws: FirmwareError.hal(.outOfRange)) { try Vault(board: board, configuration: memories.configuration) }
}
