import CofferProtocol

/// What every subcommand needs to find and drive a device: where its state lives, and the choices
/// that shape a new device or a run.
public struct EmulatorSettings: Sendable {
    /// Default number of slots of a new device.
    public static let defaultSlotCount = 256
    /// Default attempt limit of a new device's records (the guess limit).
    public static let defaultAttemptLimit: UInt8 = 10
    /// The least maximum attempt limit a new device gets when none is named.
    public static let defaultMaxAttemptLimit: UInt8 = VaultLimits.defaultMaxAttemptLimit

    /// The state directory.
    public var stateDirectory: StateDirectory
    /// Seed for every random choice (UDS, serial, nonces, channel ids); nil uses the OS CSPRNG.
    /// A device made from a known seed has no secret: for tests and demos only.
    public var seed: [UInt8]?
    /// Slots of a new device; nil for the default. Refused if an existing device has another number.
    public var slotCount: Int?
    /// Default attempt limit set when the device is provisioned; nil for the default.
    public var attemptLimit: UInt8?
    /// Cut the power before the N-th durable write (see `PowerCut`); nil for never.
    public var crashAfterWrites: Int?
    /// The most attempts any record may have, set when the device is provisioned; nil for the larger
    /// of the default limit and `VaultLimits.defaultMaxAttemptLimit`.
    public var maxAttemptLimit: UInt8?
    /// Whether the device answers Counters with per-slot counters (the operator's choice: they tell
    /// which record a login hit).
    public var showsSlotCounters: Bool
    /// The OPAQUE suite of a new device; nil for P256-SHA256. A made device serves the suite burned
    /// into its fuses, and naming another one is refused.
    public var suite: VaultSuite?
    /// A new device is left manufactured, for a realm ceremony, rather than provisioned.
    public var realmMember: Bool
    /// `serve` only: counter changes made while handling one batch of reports share one durable
    /// write, made before any reply of the batch leaves (`CounterFile.groupsCommits`).
    public var groupCommit = false
    /// Extra time every fsync of the counters and the flash takes (a slow medium); nil: none.
    public var syncDelay: Duration?

    public init(
        stateDirectory: StateDirectory,
        seed: [UInt8]? = nil,
        slotCount: Int? = nil,
        attemptLimit: UInt8? = nil,
        crashAfterWrites: Int? = nil,
        maxAttemptLimit: UInt8? = nil,
        showsSlotCounters: Bool = false,
        suite: VaultSuite? = nil,
        realmMember: Bool = false
    ) {
        self.stateDirectory = stateDirectory
        self.seed = seed
        self.slotCount = slotCount
        self.attemptLimit = attemptLimit
        self.crashAfterWrites = crashAfterWrites
        self.maxAttemptLimit = maxAttemptLimit
        self.showsSlotCounters = showsSlotCounters
        self.suite = suite
        self.realmMember = realmMember
    }

    /// The default attempt limit and maximum a new device is provisioned with.
    public var attemptPolicy: (defaultLimit: UInt8, maxLimit: UInt8) {
        let defaultLimit = attemptLimit ?? EmulatorSettings.defaultAttemptLimit
        return (defaultLimit, maxAttemptLimit ?? max(defaultLimit, VaultLimits.defaultMaxAttemptLimit))
    }
}

/// The emulator's exit statuses (sysexits-style where one fits). Extend-only.
public enum EmulatorExitStatus {
    /// Done, or stopped by SIGINT/SIGTERM.
    public static let ok: Int32 = 0
    /// Anything not listed here.
    public static let failure: Int32 = 1
    /// Bad command line.
    public static let usage: Int32 = 64
    /// The state is corrupt, truncated, foreign or incomplete.
    public static let stateRefused: Int32 = 65
    /// `inspect` found no device in the state directory.
    public static let noDevice: Int32 = 66
    /// The socket could not be bound.
    public static let unavailable: Int32 = 69
    /// `init` found a device already there and left it alone.
    public static let alreadyInitialised: Int32 = 73
    /// Reading or writing the state failed.
    public static let ioError: Int32 = 74
    /// Another emulator holds the state directory.
    public static let stateInUse: Int32 = 75
    /// `--crash-after-writes` cut the power (same as `PowerCut.exitStatus`).
    public static let powerCut: Int32 = PowerCut.exitStatus
}
