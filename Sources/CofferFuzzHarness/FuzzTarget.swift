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

    /// The target's name: its directory under `Fuzz/corpus/` and `Fuzz/regressions/`.
    public var name: String {
        rawValue
    }

    /// Runs one input; returns only if every property held.
    public func run(_ input: [UInt8]) {
        switch self {
        case .ctaphidDevice: CTAPHIDDeviceHarness.run(input)
        case .ctaphidHost: CTAPHIDHostHarness.run(input)
        }
    }

    /// The longest input worth trying (libFuzzer's `-max_len`): room for a message of the CTAPHID
    /// maximum (an init packet and 128 continuations) and a few reports around it.
    public var maxInputLength: Int {
        let reports = 1 + CTAPHIDLimits.maxSequence + 1 + 8
        switch self {
        case .ctaphidDevice: return 1 + reports * CTAPHIDDeviceHarness.recordSize
        case .ctaphidHost: return CTAPHIDHostHarness.headerSize + reports * CTAPHIDLimits.reportSize
        }
    }

    /// Valid inputs made with the real encoders, as the fuzzer's starting points.
    public var seeds: [FuzzSeed] {
        switch self {
        case .ctaphidDevice: CTAPHIDSeeds.device
        case .ctaphidHost: CTAPHIDSeeds.host
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
