import CofferCrypto
import CofferFirmware
import CofferProtocol
import Logging
import OPAQUE

/// A device in a state directory: its media under the lock, and the firmware booted on them.
final class EmulatedDevice {
    let settings: EmulatorSettings
    let media: ChipMedia
    /// Slots of this chip, from the size of its counter bank.
    let slotCount: Int
    /// The OPAQUE suite the chip serves: its fuses' once burned, else the one asked for (P256-SHA256
    /// by default), which the manufacture burns.
    let suite: VaultSuite
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
                storeOnlyFlashGeometry: ChipLayout.storeOnlyFlashGeometry(counters:),
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
        suite = try Self.suite(settings.suite, media: media)
        try Self.refuseOtherStoreFormat(media)
        try Self.checkSeed(settings.seed, media: media, create: create)
    }

    /// A device is made for one suite and runs as no other: `--suite` naming another suite than the
    /// one its fuses were burned for is refused by name (the firmware would refuse to boot too).
    private static func suite(_ wanted: VaultSuite?, media: ChipMedia) throws(EmulatorError) -> VaultSuite {
        guard let fused = media.fuses.suite else { return wanted ?? .p256SHA256 }
        if let wanted, wanted != fused {
            throw .settings(
                "the device in \(media.directory.path) serves \(fused.name); refusing to start it as \(wanted.name) "
                    + "(--suite only shapes a new device, and a device serves the suite it was made for)")
        }
        return fused
    }

    /// A store written by an earlier format (the header's format byte, readable before any key is
    /// derived) is refused by name, never migrated and never reformatted: its records were sealed
    /// under rules this firmware no longer trusts (format 2 took a version counter raised after the
    /// seal, and records had no registration nonce). Any other format byte is an edit: the header
    /// does not authenticate and the device serves `storeUnavailable`.
    private static func refuseOtherStoreFormat(_ media: ChipMedia) throws(EmulatorError) {
        guard let head = try? media.flash.read(offset: 0, count: 6), Array(head[0..<4]) == Array("CFST".utf8),
            (1..<SlotCopy.formatVersion).contains(head[4])
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

    /// `--seed` runs only on the device made from it: its fingerprint is recorded when a device is
    /// made with `--seed` (fuses still blank), and a mismatch, or `--seed` on a device made without
    /// one, is refused. The fingerprint file is validated whether or not `--seed` is given.
    private static func checkSeed(_ seed: [UInt8]?, media: ChipMedia, create: Bool) throws(EmulatorError) {
        let path = media.directory.seedFingerprintPath
        let directory = media.directory.path
        let recorded: SeedFingerprint?
        do {
            recorded = try SeedFingerprint.read(path: path)
        } catch {
            throw .state(error)
        }
        switch (seed, recorded) {
        case (let seed?, let recorded?):
            guard recorded.matches(seed: seed) else {
                throw .settings(
                    "--seed is not the seed the device in \(directory) was made from (its fingerprint is in \(path)); "
                        + "refusing to run another seed's random stream on it")
            }
        case (let seed?, nil):
            guard create, media.fuses.isBlank else {
                throw .settings(
                    "the device in \(directory) was made without --seed; refusing --seed on it (a seed only ever "
                        + "drives the device made from it)")
            }
            do {
                try SeedFingerprint(seed: seed).create(path: path, powerCut: media.powerCut)
            } catch {
                throw .state(error)
            }
        case (nil, _?) where create && media.fuses.isBlank:
            throw .settings(
                "an init with --seed was cut short in \(directory) (\(path) records its seed); "
                    + "finish it with the same --seed")
        case (nil, _):
            break
        }
    }

    /// Boots the firmware with entropy for `purpose`. A new instance is a power-on of the same chip:
    /// it first raises the on-chip boot counter, durably, and keys the seeded stream with it, so no
    /// random value the firmware draws repeats a value of an earlier boot.
    func boot(_ purpose: ChipEntropy.Purpose) throws(EmulatorError) -> EmulatorChip {
        let entropy = ChipEntropy(seed: settings.seed, purpose: purpose, boot: try countBoot())
        switch suite {
        case .ristretto255SHA512:
            return EmulatorChip(.ristretto255SHA512(try boot(Ristretto255SHA512Suite(), entropy: entropy)))
        default:
            return EmulatorChip(.p256SHA256(try boot(P256SHA256Suite(), entropy: entropy)))
        }
    }

    /// The firmware specialised for `suite` (the server never stretches, so the suite's KSF is unused).
    private func boot<Suite: OPAQUECiphersuite>(_ suite: Suite, entropy: ChipEntropy) throws(EmulatorError)
        -> CofferChip<EmulatorBoard<Suite>>
    {
        let board = EmulatorBoard(
            fuses: media.fuses, counters: media.counters, flash: media.flash, entropy: entropy,
            engine: OpenSSLCryptoEngine(suite: suite))
        // A device made from a seed stays seeded whatever a later run is given: its UDS came from it.
        let seeded = settings.seed != nil || (try? SeedFingerprint.read(path: media.directory.seedFingerprintPath)) != nil
        let configuration = FirmwareConfiguration(
            geometry: StoreGeometry(slotCount: slotCount), showsSlotCounters: settings.showsSlotCounters,
            deviceKind: seeded ? .seeded : .emulator)
        do {
            return try CofferChip(board: board, configuration: configuration)
        } catch {
            throw .device("the firmware cannot boot on \(media.directory.path): \(error)")
        }
    }

    /// Raises `CounterLayout.boots` and returns the new count once it is durable. A chip that cannot
    /// count its boot does not boot: its stream could repeat an earlier one.
    private func countBoot() throws(EmulatorError) -> UInt32 {
        let counters = media.counters
        do {
            return try media.powerCut.unnumbered { () throws(HALError) in try counters.increment(CounterLayout.boots) }
        } catch {
            throw .device("cannot count this boot in \(counters.path): \(error); refusing to boot")
        }
    }

    /// Takes the device from wherever it is (blank, manufactured, provisioning cut short) to
    /// operational: Manufacture (the firmware draws the UDS; the serial comes from its own
    /// stream), then Provision (not for `--realm-member`, nor for a device that joined a realm: those
    /// stay manufactured). Returns whether there was anything to do.
    ///
    /// A device already operational (or zeroized) has nothing left to do, which its fuses and
    /// lifecycle counter tell without booting the firmware: so a start does not open every slot
    /// twice, nor count a boot it does not need.
    @discardableResult
    func finishInitialisation() throws(EmulatorError) -> Bool {
        if !media.fuses.isBlank, let counter = try? media.counters.read(CounterLayout.lifecycle) {
            switch Lifecycle(counter: counter, fusesBurned: true) {
            case .operational, .zeroized: return false
            case .blank, .manufactured, .provisioned: break
            }
        }
        let vault = try boot(.manufacture)
        switch vault.lifecycle {
        case .operational, .zeroized:
            return false
        case .blank:
            let serial = Self.serial(from: ChipEntropy(seed: settings.seed, purpose: .serial, boot: 0))
            try perform(vault, .manufacture(ManufactureRequest(serial: serial)), "manufacture")
            logger.info("manufactured device \(ReadyFile.hex(serial)) for suite \(suite.name)")
            if settings.realmMember {
                logger.info("left manufactured for a realm ceremony (--realm-member)")
            } else {
                try provision(vault)
            }
            return true
        case .manufactured where settings.realmMember || vault.isRealmMember:
            // A device for a realm stays manufactured; one that joined a realm is never provisioned.
            return false
        case .manufactured, .provisioned:
            try provision(vault)
            return true
        }
    }

    private func provision(_ vault: EmulatorChip) throws(EmulatorError) {
        let policy = settings.attemptPolicy
        try perform(
            vault,
            .provision(ProvisionRequest(defaultAttemptLimit: policy.defaultLimit, maxAttemptLimit: policy.maxLimit)),
            "provision")
        logger.info("provisioned \(slotCount) slots, default guess limit \(policy.defaultLimit), most \(policy.maxLimit)")
    }

    /// The damage the device runs despite (`info` is its GetInfo answer): a counter page the bank fell
    /// back from, and a store header that does not open.
    func warnings(_ info: GetInfoResponse) -> [StateWarning] {
        var found: [StateWarning] = []
        if let fallback = media.counters.fallback { found.append(fallback) }
        if info.storeHeaderUnreadable {
            found.append(.storeHeaderUnreadable(flash: media.directory.flashPath, length: StoreHeader.size))
        }
        return found
    }

    /// The device's GetInfo answer.
    func info(_ chip: EmulatorChip) throws(EmulatorError) -> GetInfoResponse {
        let body = try perform(chip, .getInfo, "GetInfo")
        do {
            return try GetInfoResponse(decoding: body)
        } catch {
            throw .device("GetInfo answered an undecodable body: \(error)")
        }
    }

    @discardableResult
    private func perform(_ chip: EmulatorChip, _ request: VaultRequest, _ name: String) throws(EmulatorError)
        -> [UInt8]
    {
        let reply = chip.handle(request, channel: 0)
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
