// FoundationEssentials where there is one: the emulator's start-up stays clear of the whole of
// Foundation (and ICU), whose loading costs more than everything else it does before it is ready.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `init` and `inspect` say about a device: public facts only (no UDS, no key, no record).
public struct DeviceReport: Codable, Equatable, Sendable {
    /// The counters of one slot that has ever been used.
    public struct SlotCounters: Codable, Equatable, Sendable {
        public var slot: Int
        /// The version of the slot's trusted copy (rises with every write).
        public var version: UInt32
        /// Logins ever started on the slot.
        public var attempts: UInt32
    }

    public var stateDir: String
    /// 16 hex digits; "0000000000000000" before manufacture.
    public var serial: String
    /// blank, manufactured, provisioned, operational or zeroized.
    public var lifecycle: String
    public var slotCount: Int
    /// Slots holding a live record.
    public var records: Int
    /// Slots holding a destroyed record's tombstone.
    public var tombstones: Int
    /// Slots that failed their seal or version check.
    public var damaged: Int
    /// Guess limit for records registered without one (0 before provisioning).
    public var defaultAttemptLimit: Int
    /// The identity public key clients pin (hex, SEC1 compressed); empty without keys.
    public var identityPublicKey: String
    /// The OPAQUE suite the device serves (`VaultSuite.name`: p256-sha256 or ristretto255-sha512).
    public var suite: String
    /// The lifecycle counter.
    public var lifecycleCounter: UInt32
    /// Logins started for ids with no record.
    public var unknownLogins: UInt32
    /// Counters of every slot whose counters are not both zero.
    public var usedSlots: [SlotCounters]
    /// Damage the device runs despite (a store header that does not open, a counter page fallen back
    /// from); empty when there is none.
    public var warnings: [StateWarning]

    /// Human-readable, one fact a line.
    public var text: String {
        var lines = [
            "state dir        \(stateDir)",
            "serial           \(serial)",
            "lifecycle        \(lifecycle) (counter \(lifecycleCounter))",
            "slots            \(slotCount): \(records) records, \(tombstones) tombstones, \(damaged) damaged, "
                + "\(slotCount - records - tombstones - damaged) free",
            "guess limit      \(defaultAttemptLimit) (default for new records)",
            "identity key     \(identityPublicKey.isEmpty ? "-" : identityPublicKey)",
            "suite            \(suite)",
            "unknown logins   \(unknownLogins)",
            "slot counters    \(usedSlots.isEmpty ? "none used" : "slot: version, attempts")",
        ]
        lines += usedSlots.map { "  \($0.slot): \($0.version), \($0.attempts)" }
        lines.append("warnings         \(warnings.isEmpty ? "none" : "\(warnings.count)")")
        lines += warnings.map { "  \($0.kind.rawValue): \($0)" }
        return lines.joined(separator: "\n")
    }

    /// One line of JSON with sorted keys.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { preconditionFailure("a DeviceReport always encodes") }
        return String(decoding: data, as: UTF8.self)
    }
}
