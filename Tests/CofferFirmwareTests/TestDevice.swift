// A device on in-memory HALs with the real OpenSSL engine, and the helpers every firmware test uses
// to build, restart and provision it.

import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import OPAQUE

@testable import CofferFirmware

typealias TestEngine = OpenSSLCryptoEngine<P256SHA256Suite>
typealias TestBoard = ChipBoard<MemoryFuses, MemoryCounterBank, MemoryFlash, SeededEntropy, TestEngine>
typealias TestVault = Vault<TestBoard>

/// The suite with the Identity KSF: the KSF runs on the client only, and scrypt would make the
/// tests slow without testing anything of the firmware.
let testSuite = P256SHA256Suite(keyStretching: .identity)

/// The chip's memories: they survive a restart; the firmware instance on them does not.
final class ChipMemories {
    let chip: MemoryChip
    private var boots: UInt64 = 0
    private let seed: UInt64

    init(slots: Int = 8, seed: UInt64 = 1) {
        chip = MemoryChip(geometry: StoreGeometry(slotCount: slots))
        self.seed = seed
    }

    var power: PowerCut { chip.power }
    var fuses: MemoryFuses { chip.fuses }
    var counters: MemoryCounterBank { chip.counters }
    var flash: MemoryFlash { chip.flash }
    var geometry: StoreGeometry { chip.geometry }
    /// The chip's configuration; the tests are its operator, so per-slot counters are shown.
    var configuration: FirmwareConfiguration {
        var configuration = chip.configuration
        configuration.showsSlotCounters = true
        return configuration
    }

    /// A board on these memories, with its own entropy stream per boot (a TRNG never repeats).
    func board() -> TestBoard {
        boots += 1
        return chip.board(
            entropy: SeededEntropy(seed: seed &* 1_000_003 &+ boots), engine: TestEngine(suite: testSuite))
    }

    /// Power on: a fresh firmware instance (power restored first).
    func boot() throws -> TestVault {
        power.restore()
        return try Vault(board: board(), configuration: configuration)
    }
}

/// Boots, manufactures and provisions a device; returns the operational vault.
func operationalVault(_ memories: ChipMemories, serial: UInt64 = 1001, defaultLimit: UInt8 = 10) throws -> TestVault {
    let vault = try memories.boot()
    try expectOK(vault.handle(.manufacture(ManufactureRequest(serial: serial)), channel: 0))
    try expectOK(vault.handle(.provision(ProvisionRequest(defaultAttemptLimit: defaultLimit)), channel: 0))
    return vault
}

struct UnexpectedStatus: Error, CustomStringConvertible {
    let status: VaultStatus
    var description: String { "unexpected status \(status)" }
}

/// The reply's body, or an error naming the status.
@discardableResult
func expectOK(_ reply: VaultReply) throws -> [UInt8] {
    guard reply.status == .ok else { throw UnexpectedStatus(status: reply.status) }
    return reply.body
}

func info(_ vault: TestVault) throws -> GetInfoResponse {
    try GetInfoResponse(decoding: expectOK(vault.handle(.getInfo, channel: 0)))
}
