/// Damage a device starts with and runs despite: its operator must hear of it. `serve` and `inspect`
/// log each at start, `inspect` shows them, and `cofferctl info` reports them (the store header from
/// GetInfo itself, a counter fallback from the running emulator's announcement or the in-process
/// device). Nothing here is repaired or reset behind the operator's back.
public struct StateWarning: Codable, Equatable, Sendable, CustomStringConvertible {
    /// What kind of damage. Extend-only.
    public enum Kind: String, Codable, Sendable {
        /// `flash.img`'s store header does not open under this device's keys: the device serves, but
        /// every command that needs the store answers `storeUnavailable`.
        case storeHeaderUnreadable
        /// One page of `counters` is invalid and the bank runs on the other one.
        case counterPageFallback
    }

    /// What kind of damage.
    public var kind: Kind
    /// The damaged file's path.
    public var file: String
    /// Where in it: the damaged range's first byte.
    public var offset: Int
    /// How many bytes the damaged range spans.
    public var length: Int
    /// What happened and what follows from it, in a sentence.
    public var message: String

    /// A warning about `length` bytes of `file` from `offset`.
    public init(kind: Kind, file: String, offset: Int, length: Int, message: String) {
        self.kind = kind
        self.file = file
        self.offset = offset
        self.length = length
        self.message = message
    }

    /// The message, naming the file and the bytes.
    public var description: String {
        "\(file) bytes \(offset)..<\(offset + length): \(message)"
    }

    /// The store header of `flash` (the first `length` bytes) does not open.
    static func storeHeaderUnreadable(flash path: String, length: Int) -> StateWarning {
        StateWarning(
            kind: .storeHeaderUnreadable, file: path, offset: 0, length: length,
            message: "store header unreadable (edited, damaged or another device's): every record command fails "
                + "with storeUnavailable; restore flash.img from a copy (nothing was reset, no record was touched)")
    }
}
