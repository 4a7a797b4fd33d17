import CTAPHID
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

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Emulator {
    /// The QEMU board's OPAQUE suite: its image is built for P256-SHA256 only.
    public static let qemuBoardSuite = VaultSuite.p256SHA256

    /// `serve --board qemu`: binds the socket, starts `qemu` (found on PATH when a bare name) on the
    /// board's `image` with its memory files in the state directory, waits for it to boot, takes a
    /// blank or half-made device to operational over CTAPHID (Manufacture, Provision) and then bridges
    /// UDP to its UART exactly as `serve` serves the native chip, until SIGINT or SIGTERM or until the
    /// board stops. Memory files the board refuses end the start with `stateRefused` and the board's
    /// message on stderr.
    public static func serveQemuBoard(
        _ settings: EmulatorSettings,
        image: String,
        qemu: String = "qemu-system-arm",
        bind: String,
        port: UInt16,
        readyFile: String?,
        runtimeDirectory: String? = EmulatorAnnouncement.directory(environment: ProcessInfo.processInfo.environment),
        logger: Logger = Logger(label: "coffer.emulator.qemu")
    ) throws(EmulatorError) {
        // Absolute: QEMU runs in the state directory.
        guard access(image, R_OK) == 0, let resolved = realpath(image, nil) else {
            throw .settings("--image \(image): cannot read it (\(SystemError.message(errno)))")
        }
        let image = String(cString: resolved)
        free(resolved)
        let session = try ServeSession(bind: bind, port: port, readyFile: readyFile, runtimeDirectory: runtimeDirectory)
        let directory = settings.stateDirectory
        let lock: StateLock
        do {
            try directory.create()
            lock = try StateLock(directory: directory.path)
        } catch {
            throw .state(error)
        }
        defer { lock.release() }
        // One device per state dir: a native chip's media here are not the board's to start beside.
        guard !directory.holdsAnyState else {
            throw .state(StateFileError(
                path: directory.path,
                problem: .malformed("holds the native emulator's device (\(directory.mediaFiles.joined(separator: ", "))); "
                    + "the QEMU board keeps its own files: give it a state dir of its own")))
        }
        let link = try boot(settings, image: image, qemu: qemu, lockDescriptor: lock.descriptor, logger: logger)
        let endpoint = QemuBoardEndpoint(link: link, directory: directory)
        defer { link.stop() }
        let info = try QemuBoardSetup(endpoint: endpoint, settings: settings, logger: logger).finishInitialisation()
        try session.run(endpoint, serial: info.serial, directory: directory, logger: logger, until: {
            endpoint.failure != nil
        })
        if let failure = endpoint.failure { throw .device(failure) }
    }

    /// Writes the boot's entropy file, starts QEMU and waits for the board's 'B' frame; removes the
    /// entropy file either way.
    private static func boot(
        _ settings: EmulatorSettings, image: String, qemu: String, lockDescriptor: Int32, logger: Logger
    ) throws(EmulatorError) -> QemuBoardLink {
        let directory = settings.stateDirectory
        let entropyPath = directory.file(QemuBoardFiles.entropy)
        // With --seed the board's entropy is the seed's stream (the board keys it with its boot count);
        // else 48 bytes of the OS CSPRNG.
        let entropy = ChipEntropy(seed: settings.seed, purpose: .run, boot: 0).randomBytes(48)
        do {
            try DurableDirectory.replaceAtomically(entropyPath, bytes: entropy, durable: false)
        } catch {
            throw .state(error)
        }
        defer { unlink(entropyPath) }
        let kind = settings.seed == nil ? "random" : "seeded"
        let link: QemuBoardLink
        do {
            link = try QemuBoardLink(
                qemu: qemu, image: image, directory: directory.path,
                arguments: "serve \(QemuBoardFiles.entropy) \(kind)", lockDescriptor: lockDescriptor)
        } catch {
            throw .state(error)
        }
        let clock = SystemClock()
        let deadline = clock.milliseconds() + UInt64(QemuBoardEndpoint.answerMilliseconds)
        while clock.milliseconds() < deadline {
            if let frame = link.receive(milliseconds: 100) {
                guard frame.kind == .booted, frame.payload.count == 4 else {
                    link.stop()
                    throw .device("the QEMU board sent a \(frame.kind) frame before booting")
                }
                let count = frame.payload.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                logger.info("the QEMU board booted (boot \(count)) on \(directory.path)")
                return link
            }
            if let status = link.exitStatus() { throw bootFailure(status, directory: directory) }
        }
        link.stop()
        throw .device("the QEMU board did not boot within \(QemuBoardEndpoint.answerMilliseconds) ms")
    }

    /// What QEMU's exit status before the 'B' frame means (scripts/qemu/startup.c).
    private static func bootFailure(_ status: Int32, directory: StateDirectory) -> EmulatorError {
        switch status {
        case 65:
            .state(StateFileError(
                path: directory.path,
                problem: .malformed("the QEMU board refused its memory files here (its message is above)")))
        case 74:
            .state(StateFileError(
                path: directory.path, problem: .system(operation: "semihosting file I/O", errno: EIO)))
        default:
            .device("the QEMU board exited with status \(status) before it booted (its message is above)")
        }
    }
}

/// Takes the board from wherever it is to operational over CTAPHID, as `init` does for the native chip:
/// Manufacture (the board draws the UDS; the serial comes from the seed's serial stream, or the OS),
/// then Provision.
struct QemuBoardSetup {
    let endpoint: QemuBoardEndpoint
    let settings: EmulatorSettings
    let logger: Logger

    func finishInitialisation() throws(EmulatorError) -> GetInfoResponse {
        let channel = try openChannel()
        var info = try getInfo(channel)
        switch info.lifecycle {
        case .operational, .zeroized:
            if let wanted = settings.attemptLimit, info.lifecycle == .operational, info.defaultAttemptLimit != wanted {
                throw .settings(
                    "--attempt-limit \(wanted) does not match the QEMU board in \(settings.stateDirectory.path), whose "
                        + "default guess limit is \(info.defaultAttemptLimit) (--attempt-limit only shapes a new device)")
            }
            return info
        case .blank:
            let serial = Self.serial(from: ChipEntropy(seed: settings.seed, purpose: .serial, boot: 0))
            try perform(.manufacture(ManufactureRequest(serial: serial)), on: channel, "manufacture")
            logger.info("manufactured QEMU board \(ReadyFile.hex(serial))")
            fallthrough
        case .manufactured, .provisioned:
            let policy = settings.attemptPolicy
            try perform(
                .provision(ProvisionRequest(defaultAttemptLimit: policy.defaultLimit, maxAttemptLimit: policy.maxLimit)),
                on: channel, "provision")
            info = try getInfo(channel)
            logger.info("provisioned the QEMU board: \(info.slotCount) slots, default guess limit \(policy.defaultLimit)")
            return info
        }
    }

    private func openChannel() throws(EmulatorError) -> CTAPHIDChannelID {
        var opening = CTAPHIDChannelOpening(nonce: SystemRandom().randomBytes(CTAPHIDLimits.initNonceSize))
        for report in endpoint.receive(report: opening.requestReport, now: 0) {
            do {
                if let response = try opening.receive(report: report) { return response.channel }
            } catch {
                throw .device("the QEMU board answered INIT wrongly: \(error)")
            }
        }
        throw .device("the QEMU board did not answer INIT: \(endpoint.failure ?? "no answer")")
    }

    private func getInfo(_ channel: CTAPHIDChannelID) throws(EmulatorError) -> GetInfoResponse {
        do {
            return try GetInfoResponse(decoding: try perform(.getInfo, on: channel, "GetInfo"))
        } catch let error as EmulatorError {
            throw error
        } catch {
            throw .device("the QEMU board's GetInfo does not decode: \(error)")
        }
    }

    @discardableResult
    private func perform(_ request: VaultRequest, on channel: CTAPHIDChannelID, _ name: String) throws(EmulatorError)
        -> [UInt8]
    {
        do {
            var transaction = try CTAPHIDHostTransaction(
                channel: channel, command: CTAPHIDCommand(rawValue: request.operation.rawValue),
                payload: request.encodedPayload())
            var replies: [[UInt8]] = []
            for report in transaction.requestReports { replies += endpoint.receive(report: report, now: 0) }
            for report in replies {
                guard case .response(let payload)? = try transaction.receive(report: report) else { continue }
                let reply = try VaultReply(decoding: payload)
                guard reply.status == .ok else {
                    throw EmulatorError.device("\(name) refused by the QEMU board: \(reply.status)")
                }
                return reply.body
            }
        } catch let error as EmulatorError {
            throw error
        } catch {
            throw .device("\(name) on the QEMU board failed: \(error)")
        }
        throw .device("the QEMU board did not answer \(name): \(endpoint.failure ?? "no answer")")
    }

    /// A non-zero serial number from `entropy` (GetInfo says 0 for "no serial yet").
    private static func serial(from entropy: ChipEntropy) -> UInt64 {
        while true {
            let serial = entropy.randomBytes(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if serial != 0 { return serial }
        }
    }
}
