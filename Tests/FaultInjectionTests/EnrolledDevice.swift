import CofferEmulator
import CofferFirmware
import CofferProtocol
import CofferTestSupport
import Foundation

/// A device on the built emulator with three enrolled records, for rollback and tamper tests:
/// bob (slot 0), alice (slot 1), carol (slot 2). `earlier` holds copies of the state files taken
/// after the enrolment; alice and bob have each recovered once since (so their slots moved on to a
/// newer version), carol has not.
final class EnrolledDevice {
    static let ids = [Array("bob@example.org".utf8), Array("alice@example.org".utf8), Array("carol@example.org".utf8)]
    static let keys = (0..<3).map { record in (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ record &* 71) } }
    static let names = ["bob", "alice", "carol"]
    static let slotCount = 3
    /// What the owner of a record in a damaged slot sees when the slot's copy still claims to be
    /// theirs by its clear lookup tag: `slotDamaged`. The key is not released; GetInfo counts it.
    static let damaged = LoginOutcome.refused(.slotDamaged)
    /// What the owner sees when the copy no longer even claims an owner (its magic, format or lookup
    /// tag edited): the device cannot tell whose it was and answers as for an unknown id (a fake KE2
    /// at the default limit, which no password opens). The key is not released either.
    static let unreadable = LoginOutcome.wrongPassword(attemptsRemaining: 9)

    let workspace = TemporaryDirectory()
    let seed: String
    var stateDir: String { workspace.file("state") }
    /// The state files as they were before alice's and bob's recoveries.
    private(set) var earlier: [String: [UInt8]] = [:]
    let layout = FlashLayout(pageSize: ChipLayout.flashPageSize, geometry: StoreGeometry(slotCount: slotCount))
    private var runs = 0

    init(seed: String = "7a3e7a3e7a3e") throws {
        self.seed = seed
        let made = try EmulatorProcess.run(
            ["init", "--state-dir", stateDir, "--seed", seed, "--slots", "\(Self.slotCount)"])
        guard made.status == 0 else { throw SweepSetupFailed(what: "init: \(made.stderr)") }
        try session { client in
            for (id, key) in zip(Self.ids, Self.keys) {
                try client.register(id, attemptLimit: 0)
                guard try client.deposit(id, backupKey: key) == .done else { throw SweepSetupFailed(what: "deposit") }
            }
        }
        for name in Self.stateFiles { earlier[name] = try state(name) }
        try session { client in
            for record in [1, 0] {
                guard try client.recover(Self.ids[record]) == .recovered(Self.keys[record]) else {
                    throw SweepSetupFailed(what: "recover \(Self.names[record])")
                }
            }
        }
    }

    static let stateFiles = [FuseFile.fileName, CounterFile.fileName, FlashImage.fileName]

    func state(_ name: String) throws -> [UInt8] { try workspace.bytes("state/" + name) }
    func setState(_ name: String, _ bytes: [UInt8]) throws { try workspace.write("state/" + name, bytes) }

    /// Runs `body` against a `serve` on the state dir, then stops it; the emulator must have started
    /// and must stop cleanly.
    func session<T>(_ body: (VaultTestClient) throws -> T) throws -> T {
        runs += 1
        let emulator = try EmulatorProcess(
            [
                "serve", "--state-dir", stateDir, "--port", "0", "--ready-file", workspace.file("\(runs).ready"),
                "--seed", seed, "--slot-counters",
            ],
            stderrPath: workspace.file("\(runs).log"))
        let result = try body(VaultTestClient(host: CTAPHIDTestHost(port: emulator.waitUntilReady().port)))
        let status = emulator.stop()
        guard status == 0 else { throw SweepSetupFailed(what: "serve exited \(status): \(emulator.stderr)") }
        return result
    }

    /// What `coffer-emulator inspect` says about the state dir.
    func inspect() throws -> DeviceReport {
        let result = try EmulatorProcess.run(["inspect", "--state-dir", stateDir, "--json"])
        guard result.status == 0 else { throw SweepSetupFailed(what: "inspect: \(result.stderr)") }
        return try JSONDecoder().decode(DeviceReport.self, from: Data(result.stdout.utf8))
    }

    /// The version of `slot`'s trusted copy, from `inspect` (which reads the counters, not the flash).
    func version(ofSlot slot: Int) throws -> UInt32 {
        try inspect().usedSlots.first { $0.slot == slot }?.version ?? 0
    }

    /// Byte range of the copy of `slot` in `half` inside flash.img.
    func copyRange(slot: Int, half: Int) -> Range<Int> {
        let start = layout.offset(slot: slot, half: half)
        return start..<(start + layout.pagesPerCopy * layout.pageSize)
    }

    /// Byte range of both copies of `slot`.
    func slotRange(_ slot: Int) -> Range<Int> {
        copyRange(slot: slot, half: 0).lowerBound..<copyRange(slot: slot, half: 1).upperBound
    }

    /// Byte range of the trusted copy of `slot`: the half whose clear version field is the version the
    /// counters hold (each version is sealed once, so only one half can carry it).
    func trustedCopyRange(_ slot: Int) throws -> Range<Int> {
        let version = try version(ofSlot: slot)
        let image = try state("flash.img")
        let half = (0..<2).first { half in
            let at = copyRange(slot: slot, half: half).lowerBound + 4
            return image[at..<at + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } == version
        }
        guard let half else { throw SweepSetupFailed(what: "no copy of slot \(slot) claims version \(version)") }
        return copyRange(slot: slot, half: half)
    }

    /// What the device says about each record: the outcome of a right-password recover.
    func recoverAll(_ client: VaultTestClient) throws -> [LoginOutcome] {
        try Self.ids.map { try client.recover($0) }
    }
}
