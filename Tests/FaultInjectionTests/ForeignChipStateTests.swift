import CofferEmulator
import CofferProtocol
import CofferTestSupport
import Testing

/// The on-chip state (fuses, counters) of another device put beside this device's flash.img.
@Suite struct ForeignChipStateTests {
    typealias Device = EnrolledDevice

    /// Another UDS derives other sealing keys: the header does not verify, the store is unavailable,
    /// no slot opens, and neither flash.img nor the counters are touched.
    @Test func fusesOfAnotherDeviceOpenNothingAndLeaveTheFilesAlone() throws {
        let ours = try EnrolledDevice()
        let theirs = try EnrolledDevice(seed: "0123456789")
        try ours.setState("fuses", theirs.state("fuses"))
        let (flash, counters) = (try ours.state("flash.img"), try ours.state("counters"))

        let (info, outcomes) = try ours.session { client in (try client.info(), try ours.recoverAll(client)) }
        #expect(info.serial == (try theirs.session { try $0.info().serial }))
        #expect(info.recordCount == 0)
        #expect(info.defaultAttemptLimit == 0)
        #expect(outcomes == Array(repeating: .refused(.storeUnavailable), count: 3))
        #expect(try ours.state("flash.img") == flash)
        #expect(try ours.state("counters") == counters)
    }

    /// A counter bank from a device whose carol has moved on: carol's slot no longer matches its
    /// version counter and is reported damaged, its bytes kept. (Slots whose versions happen to agree
    /// open: the bank is on-chip and trusted, DESIGN.md's trust model.)
    @Test func countersOfAnotherDeviceLeaveSlotsOfAnotherVersionDamaged() throws {
        let ours = try EnrolledDevice()
        let theirs = try EnrolledDevice(seed: "0123456789")
        try theirs.session { client in
            for _ in 0..<2 { _ = try client.recover(Device.ids[2]) }
        }
        try ours.setState("counters", theirs.state("counters"))
        let carol = try ours.state("flash.img")[ours.slotRange(2)]

        let (info, outcomes) = try ours.session { client in (try client.info(), try ours.recoverAll(client)) }
        #expect(info.damagedCount == 1)
        #expect(outcomes[2] == Device.unreadable)
        #expect(try ours.state("flash.img")[ours.slotRange(2)] == carol)
    }

    /// DESIGN.md: "A corrupt or foreign state refuses to start". The counters file is checked for
    /// form only; nothing in it ties it to the fuses, so a well-formed bank of another device starts.
    @Test func countersOfAnotherDeviceAreRefusedAtStart() throws {
        let ours = try EnrolledDevice()
        let theirs = try EnrolledDevice(seed: "0123456789")
        try ours.setState("counters", theirs.state("counters"))
        let counters = try ours.state("counters")

        let ready = ours.workspace.file("foreign.ready")
        let emulator = try EmulatorProcess(
            ["serve", "--state-dir", ours.stateDir, "--port", "0", "--ready-file", ready],
            stderrPath: ours.workspace.file("foreign.log"))
        let started = (try? emulator.waitUntilReady()) != nil
        let status = started ? emulator.stop() : emulator.waitForExit()
        withKnownIssue("the counters file carries no binding to the device (emulator's CounterFile)") {
            #expect(!started)
            #expect(status == EmulatorExitStatus.stateRefused)
        }
        #expect(try ours.state("counters") == counters)
    }
}
