import CofferFirmware
import CofferProtocol
import CTAPHID

/// Fuzz target `firmware-reports`: the chip's whole report handler (CofferChip: CTAPHID and the vault)
/// on in-memory parts with the OpenSSL engine, fed arbitrary reports at arbitrary times, with restarts
/// and power cuts (the properties are listed at `FirmwareBench`).
///
/// Input: a configuration byte (bits 0-1: the `FirmwareStart` state), then records of 65 bytes, a
/// control byte (`FirmwareBench.step`) and a 64-byte report; a shorter last record hands over a report
/// of the wrong length.
enum FirmwareReportsHarness {
    static let recordSize = 1 + CTAPHIDLimits.reportSize

    /// Runs one input.
    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let start = FirmwareStart(rawValue: input.byte() & 0x03) ?? .blank
        let bench = FirmwareBench(image: start.image)
        while input.remaining > 0 {
            let control = input.byte()
            bench.step(control: control, report: input.bytes(upTo: CTAPHIDLimits.reportSize))
        }
    }
}

/// The states a `firmware-reports` input starts from, each built once per process by the real
/// firmware and client and then copied into every run's memories.
enum FirmwareStart: UInt8, CaseIterable, Sendable {
    /// Fuses blank: only GetInfo and Manufacture are served.
    case blank
    /// Device secret burned, store not formatted.
    case manufactured
    /// Provisioned with the default attempt limit, no records.
    case operational
    /// Operational with one record (`enrolledID`, `password`, limit `attemptLimit`) holding `backupKey`.
    case enrolled

    static let serial: UInt64 = 0xC0FF_EE00_0000_0001
    static let enrolledID = Array("alice".utf8)
    static let password = Array("correct horse".utf8)
    static let backupKey = [UInt8](repeating: 0x5A, count: VaultLimits.backupKeyLength)
    static let attemptLimit: UInt8 = 3

    /// The memories of this state.
    var image: ChipImage {
        Self.images[Int(rawValue)]
    }

    private static let images: [ChipImage] = allCases.map { $0.build() }

    private func build() -> ChipImage {
        let counters = CounterLayout(slotCount: FirmwareBench.geometry.slotCount).requiredCount
        let pages = FlashLayout(pageSize: FirmwareBench.pageSize, geometry: FirmwareBench.geometry).requiredPages
        let blank = ChipImage(fuses: nil, counters: [UInt32](repeating: 0, count: counters),
                              flash: [UInt8](repeating: 0xFF, count: pages * FirmwareBench.pageSize))
        guard self != .blank else { return blank }
        let bench = FirmwareBench(image: blank)
        let vault = bench.chip.vault
        expectOK(vault.handle(.manufacture(ManufactureRequest(serial: Self.serial)), channel: 0))
        guard self != .manufactured else { return bench.image }
        expectOK(vault.handle(.provision(ProvisionRequest(
            defaultAttemptLimit: VaultLimits.defaultAttemptLimit, maxAttemptLimit: VaultLimits.defaultMaxAttemptLimit)),
                              channel: 0))
        guard self != .operational else { return bench.image }
        let client = VaultClient(seed: 11) { vault.handle($0, channel: 9) }
        expectOK(client.register(id: Self.enrolledID, password: Self.password, limit: Self.attemptLimit))
        expectOK(client.login(id: Self.enrolledID, password: Self.password, intent: .deposit,
                              backupKey: Self.backupKey))
        return bench.image
    }

    private func expectOK(_ reply: VaultReply) {
        if reply.status != .ok {
            fatalError("fuzz harness: building the \(self) state failed with \(reply.status)")
        }
    }
}
