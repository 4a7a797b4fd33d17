import CofferEmulator
import CofferProtocol
import CofferTestSupport
import Testing

/// The on-chip state (fuses, counters) of another device put beside this device's flash.img.
@Suite struct ForeignChipStateTests {
    typealias Device = EnrolledDevice

    /// Another device's fuses beside our counters: the counters are bound to our fuses, so the pair
    /// is refused at start, naming `counters`, and neither flash.img nor the counters are touched.
    /// (Were they let through, another UDS would open no slot: `SecureStoreTests` and
    /// `LifecycleTests` prove that on the firmware alone.)
    @Test func fusesOfAnotherDeviceAreRefusedAtStartAndLeaveTheFilesAlone() throws {
        let ours = try EnrolledDevice()
        let theirs = try EnrolledDevice(seed: "0123456789")
        try ours.setState("fuses", theirs.state("fuses"))
        let (flash, counters) = (try ours.state("flash.img"), try ours.state("counters"))

        #expect(try Self.startIsRefused(ours, log: "foreign-fuses.log"))
        #expect(try ours.state("flash.img") == flash)
        #expect(try ours.state("counters") == counters)
    }

    /// A counter bank from a device whose carol has moved on, whose slot versions would no longer
    /// match this flash: it is refused at start like any other device's bank, before anything is
    /// read or written, and with our own bank back every record, carol's included, still opens.
    @Test func countersOfAnotherDeviceWhoseSlotsMovedOnAreRefusedAndOursStillOpenEverySlot() throws {
        let ours = try EnrolledDevice()
        let theirs = try EnrolledDevice(seed: "0123456789")
        try theirs.session { client in
            for _ in 0..<2 { _ = try client.recover(Device.ids[2]) }
        }
        let own = try ours.state("counters")
        try ours.setState("counters", theirs.state("counters"))
        let flash = try ours.state("flash.img")

        #expect(try Self.startIsRefused(ours, log: "moved-on.log"))
        #expect(try ours.state("flash.img") == flash)

        try ours.setState("counters", own)
        let (info, outcomes) = try ours.session { client in (try client.info(), try ours.recoverAll(client)) }
        #expect(info.damagedCount == 0)
        #expect(outcomes == Device.keys.map { .recovered($0) })
    }

    /// DESIGN.md: "A corrupt or foreign state refuses to start with a message that says what and
    /// where." Each page of the counters carries a tag derived from the fuses it is bound to.
    @Test func countersOfAnotherDeviceAreRefusedAtStart() throws {
        let ours = try EnrolledDevice()
        let theirs = try EnrolledDevice(seed: "0123456789")
        try ours.setState("counters", theirs.state("counters"))
        let (counters, flash) = (try ours.state("counters"), try ours.state("flash.img"))

        #expect(try Self.startIsRefused(ours, log: "foreign.log"))
        #expect(try ours.state("counters") == counters)
        #expect(try ours.state("flash.img") == flash)
    }

    /// Whether `serve` on the device's state dir refused to start (exit status `stateRefused`, no
    /// ready file) with a message naming `counters` and saying it belongs to another device.
    static func startIsRefused(_ device: EnrolledDevice, log: String) throws -> Bool {
        let ready = device.workspace.file(log + ".ready")
        let emulator = try EmulatorProcess(
            ["serve", "--state-dir", device.stateDir, "--port", "0", "--ready-file", ready],
            stderrPath: device.workspace.file(log))
        let started = (try? emulator.waitUntilReady()) != nil
        let status = started ? emulator.stop() : emulator.waitForExit()
        let complaint = "\(device.stateDir)/counters: belongs to another device"
        #expect(emulator.stderr.contains(complaint), "stderr: \(emulator.stderr)")
        return !started && status == EmulatorExitStatus.stateRefused && emulator.stderr.contains(complaint)
    }
}
