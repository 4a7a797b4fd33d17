#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CofferCrypto
import CofferEmulator
import CofferFirmware
import CofferMemoryChip
import CofferProtocol
import Logging

/// The firmware run in this process, as `embedded` and `embedded:STATE_DIR` name it.
enum EmbeddedChip {
    /// Slots of a memory-backed device (small: it lives only as long as the process).
    static let memorySlotCount = 64
    /// The guess limit a memory-backed device is provisioned with.
    static let memoryAttemptLimit: UInt8 = 10

    typealias MemoryBoard = ChipBoard<
        MemoryFuses, MemoryCounterBank, MemoryFlash, SystemRandom, OpenSSLCryptoEngine<P256SHA256Suite>
    >

    /// A fresh device on memory, manufactured with a random serial and provisioned: gone when the
    /// process ends.
    static func memory() throws(DeviceError) -> EmbeddedLink {
        let name = "embedded"
        let geometry = StoreGeometry(slotCount: memorySlotCount)
        let counters = ChipLayout.counterCount(slots: memorySlotCount)
        guard let flash = ChipLayout.flashGeometry(counters: counters) else {
            preconditionFailure("the memory device's slot count has a flash layout")
        }
        let random = SystemRandom()
        let board = MemoryBoard(
            fuses: MemoryFuses(), counters: MemoryCounterBank(count: counters),
            flash: MemoryFlash(pageSize: flash.pageSize, pageCount: flash.pageCount), entropy: random,
            engine: OpenSSLCryptoEngine(suite: P256SHA256Suite()))
        let chip: CofferChip<MemoryBoard>
        do {
            // The in-memory device lives in this process: its user is its operator.
            chip = try CofferChip(
                board: board, configuration: FirmwareConfiguration(geometry: geometry, showsSlotCounters: true, deviceKind: .emulator))
        } catch {
            throw .unreachable(device: name, reason: "the firmware did not boot: \(error)")
        }
        var serial: UInt64 = 0
        while serial == 0 { serial = random.bytes(8).reduce(0) { $0 << 8 | UInt64($1) } }
        for request in [VaultRequest.manufacture(ManufactureRequest(serial: serial)),
                        // This device is its user's own, for the demo and scripts: any limit goes.
                        .provision(ProvisionRequest(defaultAttemptLimit: memoryAttemptLimit,
                                                    maxAttemptLimit: VaultLimits.attemptLimitRange.upperBound))] {
            let reply = chip.vault.handle(request, channel: 0)
            guard reply.status == .ok else {
                throw .unreachable(device: name, reason: "the firmware refused \(request.operation): \(reply.status)")
            }
        }
        return EmbeddedLink(endpoint: chip, deviceName: name)
    }

    /// The device in `path` (made there first if the directory exists and is empty), under its lock.
    ///
    /// The directory must exist: a misspelt path must not quietly become a new, empty device whose
    /// "wrong password" answers would then mislead. A directory holding anything that is not a
    /// Coffer device's is refused, and so is one whose device lost its fuses (`ChipMedia`).
    static func stateDirectory(_ path: String) throws(DeviceError) -> EmbeddedLink {
        let name = "embedded:\(path)"
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            if errno == EACCES || errno == EPERM {
                throw .stateDirectoryDenied(device: name, reason: "\(path): \(reason)")
            }
            throw .invalidAddress(name, reason: "\(path): \(reason) (check the spelling; to make a device there, "
                                  + "create the directory first: mkdir -m 700 \(path))")
        }
        // The emulator logs its steps; cofferctl's stdout is for results only.
        let quiet = Logger(label: "coffer.embedded") { _ in SwiftLogNoOpLogHandler() }
        do {
            let settings = EmulatorSettings(stateDirectory: StateDirectory(path: path))
            let device = try InProcessDevice(settings, logger: quiet)
            return EmbeddedLink(
                endpoint: device.chip, deviceName: name, body: device,
                stateWarnings: device.warnings.filter { $0.kind != .storeHeaderUnreadable }.map(\.description))
        } catch {
            guard case .state(let problem) = error else { throw .unreachable(device: name, reason: error.description) }
            switch problem.problem {
            case .locked(let holder):
                throw .busy(device: name, holder: "another process (an emulator or cofferctl, \(holder)) holds \(path)")
            case .system(_, let code) where code == EACCES || code == EPERM:
                throw .stateDirectoryDenied(device: name, reason: problem.description)
            default:
                throw .unreachable(device: name, reason: error.description)
            }
        }
    }
}
