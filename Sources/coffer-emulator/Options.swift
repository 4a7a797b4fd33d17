import ArgumentParser
import CofferCrypto
import CofferEmulator
// FoundationEssentials where there is one: the emulator's start-up stays clear of the whole of
// Foundation (and ICU), whose loading costs more than everything else it does before it is ready.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CofferProtocol
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension VaultSuite: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }

    public static var allValueStrings: [String] { VaultSuite.known.map(\.name) }
}

/// Where the state lives and how much to log: every subcommand has these.
struct StateOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The device's state directory (fuses, counters, flash.img, lock).",
            discussion: "Default: $XDG_STATE_HOME/coffer, else ~/.local/state/coffer.",
            valueName: "dir"))
    var stateDir: String?

    @Option(
        help: ArgumentHelp(
            "Log level on stderr (never a secret is logged).", valueName: "level"))
    var logLevel: Logger.Level = .info

    func validate() throws {
        if stateDir == nil && StateDirectory.defaultPath(environment: ProcessInfo.processInfo.environment) == nil {
            throw ValidationError("No --state-dir and neither XDG_STATE_HOME nor HOME is set.")
        }
    }

    var stateDirectory: StateDirectory {
        StateDirectory(path: stateDir ?? StateDirectory.defaultPath(environment: ProcessInfo.processInfo.environment)!)
    }

    /// Sends swift-log output to stderr at the chosen level. Call once, first thing in `run()`.
    func bootstrapLogging() {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// The choices that shape a new device and a run: randomness, size, guess limit, power cuts.
struct DeviceOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Hex seed (1-64 bytes) making the UDS, serial and every other random choice reproducible.",
            discussion: "For tests and demos: a device made from a known seed has no secret.",
            valueName: "hex"))
    var seed: String?

    @Option(
        help: ArgumentHelp(
            "Slots of a new device (1-4096; default \(EmulatorSettings.defaultSlotCount)).", valueName: "n"))
    var slots: Int?

    @Option(
        help: ArgumentHelp(
            "Default guess limit set when the device is provisioned "
                + "(1-255; default \(EmulatorSettings.defaultAttemptLimit)).",
            valueName: "n"))
    var attemptLimit: Int?

    @Option(
        help: ArgumentHelp(
            "Most guesses any record of a new device may have; larger requests are capped "
                + "(1-255; default the larger of --attempt-limit and \(EmulatorSettings.defaultMaxAttemptLimit)).",
            valueName: "n"))
    var maxAttemptLimit: Int?

    @Flag(
        help: ArgumentHelp(
            "Answer Counters with per-slot counters (operator only: they tell which record a login hit)."))
    var slotCounters = false

    @Option(
        help: ArgumentHelp(
            "OPAQUE suite of a new device: p256-sha256 (the default) or ristretto255-sha512 (opaque-ke's).",
            discussion: "Burned into the fuses with the UDS: a device serves the suite it was made for, and naming "
                + "another suite for it is refused.",
            valueName: "suite"))
    var suite: VaultSuite?

    @Flag(
        help: ArgumentHelp(
            "Make a new device for a realm: manufactured only, never provisioned as a standalone vault.",
            discussion: "It takes part in a realm ceremony and joins through the realm commands (docs/PROTOCOL.md "
                + "§11.8). A device that has joined a realm is never provisioned, with or without this flag."))
    var realmMember = false

    @Option(
        help: ArgumentHelp(
            "Cut the power at the n-th durable write: writes 1..n-1 are kept, write n never reaches the files.",
            discussion: "The process then ends at once with exit status \(PowerCut.exitStatus), without cleanup.",
            valueName: "n"))
    var crashAfterWrites: Int?

    func validate() throws {
        if let seed {
            guard let bytes = Hex.decode(seed), (1...64).contains(bytes.count) else {
                throw ValidationError("--seed must be 2 to 128 hex digits (1 to 64 bytes).")
            }
        }
        if let slots, !(1...4096).contains(slots) {
            throw ValidationError("--slots must be between 1 and 4096.")
        }
        if let attemptLimit, !(1...255).contains(attemptLimit) {
            throw ValidationError("--attempt-limit must be between 1 and 255.")
        }
        if let maxAttemptLimit {
            guard (1...255).contains(maxAttemptLimit) else {
                throw ValidationError("--max-attempt-limit must be between 1 and 255.")
            }
            guard maxAttemptLimit >= attemptLimit ?? Int(EmulatorSettings.defaultAttemptLimit) else {
                throw ValidationError("--max-attempt-limit must be at least the default --attempt-limit.")
            }
        }
        if let crashAfterWrites, crashAfterWrites < 1 {
            throw ValidationError("--crash-after-writes counts from 1.")
        }
    }

    func settings(_ state: StateOptions) -> EmulatorSettings {
        EmulatorSettings(
            stateDirectory: state.stateDirectory,
            seed: seed.flatMap { Hex.decode($0) },
            slotCount: slots,
            attemptLimit: attemptLimit.map { UInt8($0) },
            crashAfterWrites: crashAfterWrites,
            maxAttemptLimit: maxAttemptLimit.map { UInt8($0) },
            showsSlotCounters: slotCounters,
            suite: suite,
            realmMember: realmMember
        )
    }
}

/// Runs `body`, turning an emulator failure into its message on stderr and its exit status.
func reportingFailure(_ body: () throws(EmulatorError) -> Void) throws {
    do {
        try body()
    } catch {
        let line = Array("coffer-emulator: \(error)\n".utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        throw ExitCode(error.exitStatus)
    }
}
