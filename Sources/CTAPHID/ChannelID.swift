/// A CTAPHID channel identifier (CID): the first four bytes of every report, big-endian (§11.2.3).
public struct CTAPHIDChannelID: RawRepresentable, Hashable, Sendable, ExpressibleByIntegerLiteral {
    /// The 32-bit identifier as it appears on the wire (big-endian).
    public var rawValue: UInt32

    /// Wraps a raw identifier.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Wraps an identifier written as a literal (`0x1234_5678`).
    public init(integerLiteral value: UInt32) {
        self.rawValue = value
    }

    /// The broadcast channel, used only to ask for a channel with CTAPHID_INIT (§11.2.3).
    public static let broadcast = CTAPHIDChannelID(rawValue: 0xFFFF_FFFF)
    /// Channel 0 is reserved and never allocated (§11.2.3).
    public static let reserved = CTAPHIDChannelID(rawValue: 0)

    /// True for an identifier a device may hand out: neither the reserved 0 nor broadcast.
    public var isAllocatable: Bool {
        self != .reserved && self != .broadcast
    }

    /// The four wire bytes, big-endian.
    var bytes: [UInt8] {
        [UInt8(truncatingIfNeeded: rawValue >> 24), UInt8(truncatingIfNeeded: rawValue >> 16),
         UInt8(truncatingIfNeeded: rawValue >> 8), UInt8(truncatingIfNeeded: rawValue)]
    }

    /// Reads four big-endian bytes starting at `offset`.
    init(bytes: [UInt8], at offset: Int) {
        self.rawValue = UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}
