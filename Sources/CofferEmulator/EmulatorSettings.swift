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

/// Hexadecimal text to bytes and back, for `--seed` and serial numbers.
public enum Hex {
    /// The bytes `text` spells (two digits a byte, either case), or nil if it is not hex.
    public static func bytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
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
