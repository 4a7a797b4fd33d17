import CofferFirmware
import CofferHost
import CofferMemoryChip
import CofferProtocol
import CofferPureCrypto
import OPAQUE
import Testing

/// The whole firmware on the pure engine, talked to by the real host stack on OpenSSL (cofferctl's
/// VaultClient with scrypt, over CTAPHID reports): what a board without OpenSSL would serve.
@Suite("Firmware on the pure engine")
struct FirmwareOnPureEngineTests {
    typealias PureBoard = ChipBoard<MemoryFuses, MemoryCounterBank, MemoryFlash, SeededEntropy, PureCryptoEngine>

    static func client(limit: UInt8 = 3) throws -> VaultClient {
        let memory = MemoryChip(geometry: StoreGeometry(slotCount: 8))
        let chip = try CofferChip(
            board: memory.board(entropy: SeededEntropy(seed: 15), engine: PureCryptoEngine()),
            configuration: memory.configuration)
        for request in [VaultRequest.manufacture(ManufactureRequest(serial: 1515)),
                        .provision(ProvisionRequest(defaultAttemptLimit: limit))] {
            #expect(chip.vault.handle(request, channel: 0).status == .ok)
        }
        let transport = try CTAPHIDTransport(link: EmbeddedLink(endpoint: chip, deviceName: "pure"))
        return VaultClient(transport: transport, pins: nil)
    }

    @Test("register, recover, wrong guesses down to destruction")
    func registerRecoverDestroy() throws {
        let client = try Self.client()
        let id = Array("alice".utf8), key = SecretBytes((0..<32).map { UInt8($0) })
        let password = SecretBytes(Array("correct horse".utf8)), wrong = SecretBytes(Array("wrong".utf8))
        let info = try client.info()
        #expect(info.identityPublicKey.count == 33)
        #expect(try client.register(id: id, password: password, backupKey: key, attemptLimit: 3) == 3)
        #expect(try client.recover(id: id, password: password).bytes == key.bytes)
        for remaining in [UInt8(2), 1] {
            #expect(throws: VaultError.wrongPassword(attemptsRemaining: remaining)) {
                _ = try client.recover(id: id, password: wrong)
            }
        }
        #expect(throws: VaultError.self) { _ = try client.recover(id: id, password: wrong) }
        #expect(throws: VaultError.keyDestroyed(justNow: false)) { _ = try client.recover(id: id, password: password) }
    }
}
