import CofferCrypto
import CofferFirmware
import CofferProtocol
import Logging

/// The board the emulator gives the firmware: files, entropy and the OpenSSL crypto engine.
public typealias EmulatorBoard = ChipBoard<
    FuseFile, CounterFile, FlashImage, ChipEntropy, OpenSSLCryptoEngine<P256SHA256Suite>
>

/// A device in a state directory: its media under the lock, and the firmware booted on them.
final class EmulatedDevice {
    let settings: EmulatorSettings
    let media: ChipMedia
    /// Slots of this chip, from the size of its counter bank.
    let slotCount: Int
    private let logger: Logger

    /// Opens the media (creating those of a blank chip when `create` allows) and checks the
    /// settings against the device found.
    init(_ settings: EmulatorSettings, create: Bool, logger: Logger) throws(EmulatorError) {
        self.settings = settings
        self.logger = logger
        let newCounters = ChipLayout.counterCount(slots: settings.slotCount ?? EmulatorSettings.defaultSlotCount)
        do {
            media = try ChipMedia(
                directory: settings.stateDirectory,
                newCounterCount: create ? newCounters : nil,
                flashGeometry: ChipLayout.flashGeometry(counters:),
                powerCut: PowerCut(cutAt: settings.crashAfterWrites),
                logger: logger
            )
        } catch {
            throw .state(error)
        }
        // ChipMedia refused any bank whose size maps to no slot count.
        slotCount = ChipLayout.slotCount(counters: media.counters.count)!
        if let wanted = settings.slotCount, wanted != slotCount {
            throw .settings(
                "--slots \(wanted) does not match the device in \(media.directory.path), which has \(slotCount) slots "
                    + "(--slots only shapes a new device)")
        }
        try Self.refuseOtherStoreFormat(media)
    }

    /// A store written by another format (the header's format byte, readable before any key is
    /// derived) is refused by name, never migrated and never reformatted: its records were sealed
    /// under rules this firmware no longer trusts (format 2 took a version counter raised after the
    /// seal, and records had no registration nonce).
    private static func refuseOtherStoreFormat(_ media: ChipMedia) throws(EmulatorError) {
        guard let head = try? media.flash.read(offset: 0, count: 6), Array(head[0..<4]) == Array("CFST".utf8),
            head[4] != SlotCopy.formatVersion
        else { return }
        let protocolNote = head[4] == 2 ? ", written for Coffer protocol 1" : ""
        throw .state(
            StateFileError(
                path: media.directory.path + "/flash.img",
                problem: .malformed(
                    "store format \(head[4])\(protocolNote); this emulator reads format \(SlotCopy.formatVersion) "
                        + "(protocol \(CofferProtocolVersion.current)) only and migrates nothing: keep that state "
                        + "directory for the build that made it, or make a new device in another")))
    }

    /// Boots the firmware with entropy for `purpose`. A new instance is a power-on of the same chip.
    func boot(_ purpose: ChipEntropy.Purpose) throws(EmulatorError) -> CofferChip<EmulatorBoard> {
        let board = EmulatorBoard(
            fuses: media.fuses, counters: media.counters, flash: media.flash,
            entropy: ChipEntropy(seed: settings.seed, purpose: purpose),
            engine: OpenSSLCryptoEngine(suite: P256SHA256Suite()))
        let configuration = FirmwareConfiguration(
            geometry: StoreGeometry(slotCount: slotCount), showsSlotCounters: settings.showsSlotCounters)
        do {
            return try CofferChip(board: board, configuration: configuration)
        } catch {
            throw .device("the firmware cannot boot on \(media.directory.path): \(error)")
        }
    }

    /// Takes the device from wherever it is (blank, manufactured, provisioning cut short) to
    /// operational: Manufacture (the firmware draws the UDS; the serial comes from its own
    /// stream), then Provision. Returns whether there was anything to do.
    @discardableResult
    func finishInitialisation() throws(EmulatorError) -> Bool {
        let chip = try boot(.manufacture)
        let vault = chip.vault
        switch vault.lifecycle {
        case .operational, .zeroized:
            return false
        case .blank:
            let serial = Self.serial(from: ChipEntropy(seed: settings.seed, purpose: .serial))
            try perform(vault, .manufacture(ManufactureRequest(serial: serial)), "manufacture")
            logger.info("manufactured device \(ReadyFile.hex(serial))")
            fallthrough
        case .manufactured, .provisioned:
            let policy = settings.attemptPolicy
            try perform(
                vault,
                .provision(ProvisionRequest(defaultAttemptLimit: policy.defaultLimit, maxAttemptLimit: policy.maxLimit)),
                "provision")
            logger.info(
                "provisioned \(slotCount) slots, default guess limit \(policy.defaultLimit), most \(policy.maxLimit)")
            return true
        }
    }

    /// The device's GetInfo answer.
    func info(_ chip: CofferChip<EmulatorBoard>) throws(EmulatorError) -> GetInfoResponse {
        let body = try perform(chip.vault, .getInfo, "GetInfo")
        do {
            return try GetInfoResponse(decoding: body)
        } catch {
            throw .device("GetInfo answered an undecodable body: \(error)")
        }
    }

    @discardableResult
    private func perform<B: Board>(_ vault: Vault<B>, _ request: VaultRequest, _ name: String) throws(EmulatorError)
        -> [UInt8]
    {
        let reply = vault.handle(request, channel: 0)
        guard reply.status == .ok else {
            throw .device("\(name) refused by the firmware on \(media.directory.path): \(reply.status)")
        }
        return reply.body
    }

    /// A non-zero serial number from `entropy` (GetInfo says 0 for "no serial yet").
    private static func serial(from entropy: ChipEntropy) -> UInt64 {
        while true {
            let serial = entropy.randomBytes(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if serial != 0 { return serial }
        }
    }
}
