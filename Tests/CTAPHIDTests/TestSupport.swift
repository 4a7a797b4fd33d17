@testable import CTAPHID

/// SplitMix64: a tiny seeded generator so shuffles and payloads are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `count` bytes from a seeded generator.
func seededBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

// Reports written out byte by byte, independently of the encoder, so that tests check the wire format
// rather than the code against itself.

func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
}

func padded(_ bytes: [UInt8]) -> [UInt8] {
    bytes + [UInt8](repeating: 0, count: 64 - bytes.count)
}

/// An init packet: CID, CMD|0x80, BCNT big-endian, data.
func initReport(_ cid: UInt32, _ command: UInt8, length: Int, _ data: [UInt8] = []) -> [UInt8] {
    padded(bigEndian(cid) + [command | 0x80, UInt8(length >> 8), UInt8(length & 0xFF)] + data)
}

/// A continuation packet: CID, SEQ, data.
func continuationReport(_ cid: UInt32, sequence: UInt8, _ data: [UInt8] = []) -> [UInt8] {
    padded(bigEndian(cid) + [sequence] + data)
}

/// The one report of a CTAPHID_ERROR (0x3F) with `code`.
func errorReport(_ cid: UInt32, _ code: UInt8) -> [UInt8] {
    initReport(cid, 0x3F, length: 1, [code])
}

let testVersion = CTAPHIDDeviceVersion(major: 3, minor: 1, build: 4)
let testNonce: [UInt8] = [0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87]

typealias TestDevice = CTAPHIDDevice<CTAPHIDSequentialChannelIDs>

/// A device whose channel candidates count up from `first`, and a clock the test moves by hand.
struct DeviceHarness {
    var device: TestDevice
    var now: UInt64 = 10_000

    init(firstChannelID: UInt32 = 0x0100_0001, channelCapacity: Int = 32) {
        device = TestDevice(
            version: testVersion,
            channelIDs: CTAPHIDSequentialChannelIDs(first: firstChannelID),
            channelCapacity: channelCapacity
        )
    }

    /// Feeds reports one at a time at the current time and collects every action.
    mutating func feed(all reports: [[UInt8]]) -> [CTAPHIDDeviceAction] {
        reports.flatMap { device.receive(report: $0, now: now) }
    }

    mutating func feed(_ report: [UInt8]) -> [CTAPHIDDeviceAction] {
        device.receive(report: report, now: now)
    }

    /// Opens a channel with INIT on broadcast and returns its id.
    mutating func open(nonce: [UInt8] = testNonce) -> UInt32 {
        let actions = feed(initReport(0xFFFF_FFFF, 0x06, length: 8, nonce))
        guard case .send(let report) = actions.first, let packet = CTAPHIDPacket(report: report),
              case .initialization(let response) = packet,
              let parsed = CTAPHIDInitResponse(payload: Array(response.data.prefix(response.messageLength)))
        else { preconditionFailure("INIT on broadcast did not answer") }
        return parsed.channel.rawValue
    }
}

/// The reports among `actions`, in order.
func sentReports(_ actions: [CTAPHIDDeviceAction]) -> [[UInt8]] {
    actions.compactMap { action in
        if case .send(let report) = action { return report }
        return nil
    }
}
