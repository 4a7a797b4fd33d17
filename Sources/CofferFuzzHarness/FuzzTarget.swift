import CTAPHID

/// Coffer's fuzz targets. Each takes any bytes, drives one piece of Coffer with them and stops the
/// process (through `fatalError`) when the code crashes or a property that must hold does not.
///
/// libFuzzer runs them from the separate package in `Fuzz/` (`make fuzz`); `FuzzRegressionTests`
/// replays every input kept under `Fuzz/corpus/<name>/` and `Fuzz/regressions/<name>/` in `make test`.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The CTAPHID device: reports in at chosen times, an application that answers or stalls.
    case ctaphidDevice = "ctaphid-device"
    /// The CTAPHID host: a request's exchange or a channel opening, reports from a hostile device.
    case ctaphidHost = "ctaphid-host"
    /// The vault protocol's decoders: requests, replies and every reply body.
    case vaultMessages = "vault-messages"
    /// The whole chip (CTAPHID and the vault) on in-memory parts, with restarts and power cuts.
    case firmwareReports = "firmware-reports"
    /// The realm record tree's decoder: proofs from an untrusted agent.
    case recordTree = "record-tree"
    /// The realm's message decoders: log entries, statements, tails, configurations, ceremony messages.
    case realmMessages = "realm-messages"

    /// The target's name: its directory under `Fuzz/corpus/` and `Fuzz/regressions/`.
    public var name: String {
        rawValue
    }

    /// Runs one input; returns only if every property held.
    public func run(_ input: [UInt8]) {
        switch self {
        case .ctaphidDevice: CTAPHIDDeviceHarness.run(input)
        case .ctaphidHost: CTAPHIDHostHarness.run(input)
        case .vaultMessages: VaultMessagesHarness.run(input)
        case .firmwareReports: FirmwareReportsHarness.run(input)
        case .recordTree: RecordTreeHarness.run(input)
        case .realmMessages: RealmMessagesHarness.run(input)
        }
    }

    /// The longest input worth trying (libFuzzer's `-max_len`). CTAPHID targets: room for a message of
    /// the CTAPHID maximum (an init packet and 128 continuations) and a few reports around it. Vault
    /// messages: a whole CTAPHID message. The chip: a few dozen reports, enough for a login or two
    /// (each report costs real crypto, so longer inputs mostly slow the search). The record tree: a proof
    /// for a few keys in a large tree (~650 bytes a key).
    public var maxInputLength: Int {
        let reports = 1 + CTAPHIDLimits.maxSequence + 1 + 8
        switch self {
        case .ctaphidDevice: return 1 + reports * CTAPHIDDeviceHarness.recordSize
        case .ctaphidHost: return CTAPHIDHostHarness.headerSize + reports * CTAPHIDLimits.reportSize
        case .vaultMessages: return 2 + CTAPHIDLimits.maxMessageSize
        case .firmwareReports: return 1 + 48 * FirmwareReportsHarness.recordSize
        case .recordTree: return 4_096
        case .realmMessages: return 4_096
        }
    }

    /// Valid inputs made with the real encoders, as the fuzzer's starting points.
    public var seeds: [FuzzSeed] {
        switch self {
        case .ctaphidDevice: CTAPHIDSeeds.device
        case .ctaphidHost: CTAPHIDSeeds.host
        case .vaultMessages: VaultMessageSeeds.all
        case .firmwareReports: FirmwareSeeds.all
        case .recordTree: RecordTreeSeeds.all
        case .realmMessages: RealmMessagesSeeds.all
        }
    }
}

/// One seed input and the file name it is kept under.
public struct FuzzSeed: Sendable {
    /// The file name under `Fuzz/corpus/<target>/`.
    public var name: String
    /// The input.
    public var bytes: [UInt8]
}
