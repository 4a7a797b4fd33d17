import CofferCrypto
import CofferFirmware
import CofferMemoryChip
import CofferProtocol
import CofferTestSupport
import OPAQUE

typealias MemoryEngine = OpenSSLCryptoEngine<P256SHA256Suite>
typealias MemoryBoard = ChipBoard<MemoryFuses, MemoryCounterBank, MemoryFlash, SeededEntropy, MemoryEngine>

/// The power went: the in-process device refused a durable write and is dead until restarted.
struct PowerWentOff: Error {}

/// The firmware in-process on `MemoryChip`, its power cut through `PowerCut` (the write fails and so
/// does every later one, as if the chip had no power left); a restart is a new `Vault` on the same
/// memories.
final class MemoryBench: PowerCutBench {
    let name = "in-process"
    /// Slots of each device.
    let slotCount: Int

    init(slotCount: Int = 2) { self.slotCount = slotCount }

    func point(_ command: WriteCommand, cutAt cut: Int?, bootCutAt bootCut: Int?) throws -> PointRun {
        let device = MemoryDevice(slotCount: slotCount)
        var vault = try device.boot()
        if command != .initialize {
            try device.client(vault).expectOperational()
            try command.prepare(device.client(vault))
        }
        let before = try BeforeCommand(command, device.client(vault))
        if let cut { device.chip.power.cut(afterWrites: cut - 1) }
        let writesBefore = device.chip.power.completedWrites
        let ledger = Ledger()
        var stopped: Error?
        do { try command.run(device.client(vault, failing: true), ledger) } catch { stopped = error }
        let powerWasCut = device.chip.power.isCut
        let writes = device.chip.power.completedWrites - writesBefore
        if !powerWasCut, let stopped { throw stopped }
        var restarted: VaultTestClient?
        var problems: [String] = []
        var bootWasCut = false
        if powerWasCut, let bootCut {
            let booted = Result { try device.boot(cutAt: bootCut) }
            bootWasCut = device.chip.power.isCut
            if !bootWasCut, case .failure(let error) = booted { problems.append("the firmware did not boot: \(error)") }
        }
        do {
            vault = try device.boot()
            restarted = device.client(vault)
        } catch {
            problems.append("the firmware did not restart: \(error)")
        }
        var run = PointRun(
            powerWasCut: powerWasCut, writes: writes, ledger: ledger, before: before, restarted: restarted,
            problems: problems, finish: {})
        run.bootWasCut = bootWasCut
        return run
    }
}

/// One chip's memories and the firmware booted on them.
final class MemoryDevice {
    let chip: MemoryChip
    private var boots: UInt64 = 0

    init(slotCount: Int) { chip = MemoryChip(geometry: StoreGeometry(slotCount: slotCount)) }

    /// Power on: power restored (until durable write `cut` of this boot, if given), a fresh firmware
    /// instance with its own entropy stream.
    func boot(cutAt cut: Int? = nil) throws -> Vault<MemoryBoard> {
        chip.power.restore()
        if let cut { chip.power.cut(afterWrites: cut - 1) }
        boots += 1
        let engine = MemoryEngine(suite: P256SHA256Suite(keyStretching: .identity))
        let board = chip.board(entropy: SeededEntropy(seed: 0x5EED &+ boots), engine: engine)
        var configuration = chip.configuration
        configuration.showsSlotCounters = true  // the sweep is the device's operator
        return try Vault(board: board, configuration: configuration)
    }

    /// A client on channel 1 of `vault`; with `failing`, a request during which the power went
    /// throws `PowerWentOff` instead of returning the firmware's `storageFailure`.
    func client(_ vault: Vault<MemoryBoard>, failing: Bool = false) -> VaultTestClient {
        let power = chip.power
        return VaultTestClient { request in
            let reply = vault.handle(request, channel: 1)
            if failing && power.isCut { throw PowerWentOff() }
            return reply
        }
    }
}

extension VaultTestClient {
    /// Manufactures and provisions a blank device, or finishes what an interrupted run began.
    func expectOperational() throws {
        var info = try info()
        if info.lifecycle == .blank {
            guard try manufacture(serial: WriteCommand.serial) == .ok else {
                throw SweepSetupFailed(what: "manufacture")
            }
            info = try self.info()
        }
        if info.lifecycle == .manufactured || info.lifecycle == .provisioned {
            guard try provision(defaultAttemptLimit: 10) == .ok else { throw SweepSetupFailed(what: "provision") }
        }
    }
}
