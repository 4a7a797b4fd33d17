/// What every subcommand needs to find and drive a device: where its state lives, and the choices
/// that shape a new device or a run.
public struct EmulatorSettings: Sendable {
    /// Default number of slots of a new device.
    public static let defaultSlotCount = 256
    /// Default attempt limit of a new device's records (the guess limit).
    public static let defaultAttemptLimit: UInt8 = 10

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

    public init(
        stateDirectory: StateDirectory,
        seed: [UInt8]? = nil,
        slotCount: Int? = nil,
        attemptLimit: UInt8? = nil,
        crashAfterWrites: Int? = nil
    ) {
        self.stateDirectory = stateDirectory
        self.seed = seed
        self.slotCount = slotCount
        self.attemptLimit = attemptLimit
        self.crashAfterWrites = crashAfterWrites
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
