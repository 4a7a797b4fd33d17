import CofferCrypto
import CofferFirmware
import CofferProtocol
// FoundationEssentials where there is one: the emulator's start-up stays clear of the whole of
// Foundation (and ICU), whose loading costs more than everything else it does before it is ready.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// The emulator's three jobs, as the `coffer-emulator` subcommands call them.
public enum Emulator {
    /// The UDP port `serve` uses when none is given.
    public static let defaultPort: UInt16 = 8111
    /// The address `serve` binds when none is given: loopback only.
    public static let defaultBindAddress = "127.0.0.1"

    /// `init`: creates the device's media, then manufactures and provisions it. Finishes an `init`
    /// a power cut interrupted; refuses a directory that already holds a made device.
    public static func initialise(
        _ settings: EmulatorSettings,
        logger: Logger = Logger(label: "coffer.emulator")
    ) throws(EmulatorError) -> DeviceReport {
        let existed = settings.stateDirectory.holdsAnyState
        let device = try EmulatedDevice(settings, create: true, logger: logger)
        let changed = try device.finishInitialisation()
        let chip = try device.boot(.run)
        try checkAttemptLimit(settings, device.info(chip))
        let report = try Self.report(device, chip: chip)
        if existed && !changed {
            throw .alreadyInitialised(
                "\(settings.stateDirectory.path) already holds device \(report.serial) (\(report.lifecycle)); "
                    + "refusing to make another there")
        }
        if existed {
            logger.notice("finished the initialisation that was cut short in \(settings.stateDirectory.path)")
        }
        return report
    }

    /// `inspect`: what the device holds, without a secret.
    public static func inspect(
        _ settings: EmulatorSettings,
        logger: Logger = Logger(label: "coffer.emulator")
    ) throws(EmulatorError) -> DeviceReport {
        guard settings.stateDirectory.holdsAnyState else {
            throw .noDevice("no device in \(settings.stateDirectory.path) (make one with init or serve)")
        }
        let device = try EmulatedDevice(settings, create: false, logger: logger)
        let chip = try device.boot(.run)
        let report = try report(device, chip: chip)
        warn(report.warnings, logger: logger)
        return report
    }

    /// Logs each warning, one line each, naming the file and the bytes.
    static func warn(_ warnings: [StateWarning], logger: Logger) {
        for warning in warnings {
            logger.warning("damaged state: \(warning)")
        }
    }

    /// `serve`: binds the socket, loads (or first makes) the device and serves it over UDP until
    /// SIGINT or SIGTERM, noted in `runtimeDirectory` meanwhile (nil: nowhere). A bind address other
    /// than loopback is warned about, and damage the device starts with is logged.
    public static func serve(
        _ settings: EmulatorSettings,
        bind: String,
        port: UInt16,
        readyFile: String?,
        runtimeDirectory: String? = EmulatorAnnouncement.directory(environment: ProcessInfo.processInfo.environment),
        logger: Logger = Logger(label: "coffer.emulator")
    ) throws(EmulatorError) {
        let session = try ServeSession(
            bind: bind, port: port, readyFile: readyFile, runtimeDirectory: runtimeDirectory)
        if !BindAddress.isLoopback(bind) {
            let exposed =
                "serving on \(bind), not a loopback address: anyone who can reach this port can use the device, and "
                + "zeroize needs only its serial; bind \(defaultBindAddress) unless the network is yours alone"
            logger.warning("\(exposed)")
        }
        let existed = settings.stateDirectory.holdsAnyState
        if !existed {
            logger.notice("no device in \(settings.stateDirectory.path): creating one")
        }
        let device = try EmulatedDevice(settings, create: true, logger: logger)
        if try device.finishInitialisation(), existed {
            logger.notice("finished the initialisation that was cut short in \(settings.stateDirectory.path)")
        }
        let chip = try device.boot(.run)
        let info = try device.info(chip)
        try checkAttemptLimit(settings, info)
        let warnings = device.warnings(info)
        warn(warnings, logger: logger)
        let media = device.media
        media.slowDown(syncsBy: settings.syncDelay)
        var barrier: (() -> Bool)?
        if settings.groupCommit {
            do {
                try media.groupCommits(true)
            } catch {
                throw .device("cannot group the counters' commits in \(settings.stateDirectory.path): \(error)")
            }
            barrier = {
                do {
                    try media.commit()
                    return true
                } catch {
                    logger.critical("group commit failed: \(error)")
                    return false
                }
            }
            logger.info("group commit: counter changes made while handling one batch of reports share one write")
        }
        try session.run(
            chip, serial: info.serial, directory: settings.stateDirectory, warnings: warnings, logger: logger,
            barrier: barrier)
        media.releaseLock()
    }

    /// `--attempt-limit` only shapes a device being provisioned; on one already provisioned with
    /// another default it is refused rather than silently ignored.
    private static func checkAttemptLimit(_ settings: EmulatorSettings, _ info: GetInfoResponse) throws(EmulatorError) {
        guard let wanted = settings.attemptLimit, info.lifecycle == .operational, info.defaultAttemptLimit != wanted
        else { return }
        throw .settings(
            "--attempt-limit \(wanted) does not match the device in \(settings.stateDirectory.path), whose default "
                + "guess limit is \(info.defaultAttemptLimit) (--attempt-limit only shapes a new device)")
    }

    private static func report(_ device: EmulatedDevice, chip: EmulatorChip) throws(EmulatorError)
        -> DeviceReport
    {
        let info = try device.info(chip)
        let layout = CounterLayout(slotCount: device.slotCount)
        let counters = device.media.counters
        func read(_ index: Int) throws(EmulatorError) -> UInt32 {
            do {
                return try counters.read(index)
            } catch {
                throw .device("cannot read counter \(index) of \(counters.path): \(error)")
            }
        }
        var used: [DeviceReport.SlotCounters] = []
        for slot in 0..<device.slotCount {
            let version = try read(layout.version(slot))
            let attempts = try read(layout.attempts(slot))
            if version != 0 || attempts != 0 {
                used.append(DeviceReport.SlotCounters(slot: slot, version: version, attempts: attempts))
            }
        }
        return DeviceReport(
            stateDir: device.media.directory.path,
            serial: ReadyFile.hex(info.serial),
            lifecycle: "\(info.lifecycle)",
            slotCount: Int(info.slotCount),
            records: Int(info.recordCount),
            tombstones: Int(info.tombstoneCount),
            damaged: Int(info.damagedCount),
            defaultAttemptLimit: Int(info.defaultAttemptLimit),
            identityPublicKey: Hex.encode(info.identityPublicKey),
            suite: info.suite.name,
            lifecycleCounter: try read(CounterLayout.lifecycle),
            unknownLogins: try read(CounterLayout.unknownLogins),
            usedSlots: used,
            warnings: device.warnings(info)
        )
    }
}
