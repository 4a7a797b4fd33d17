import CofferProtocol
import CofferTestSupport
import Testing

/// A thief or editor of flash.img puts back older copies or moves slots around: each slot whose
/// copy does not check out at its on-chip version is reported damaged, never used and never reset,
/// and the slots left alone keep serving.
@Suite struct FlashRollbackTests {
    typealias Device = EnrolledDevice

    @Test func olderFlashImageReplayedDamagesTheSlotsThatMovedOnAndLeavesTheRestServing() throws {
        let device = try EnrolledDevice()
        let older = try #require(device.earlier["flash.img"])
        try device.setState("flash.img", older)
        #expect(try device.inspect().damaged == 2)
        #expect(try device.state("flash.img") == older)

        let (info, outcomes) = try device.session { client in (try client.info(), try device.recoverAll(client)) }
        #expect(info.damagedCount == 2)
        #expect(outcomes[0] == Device.damaged)
        #expect(outcomes[1] == Device.damaged)
        #expect(outcomes[2] == .recovered(Device.keys[2]))
        let after = try device.state("flash.img")
        for slot in [0, 1] { #expect(after[device.slotRange(slot)] == older[device.slotRange(slot)]) }
        #expect(after[0..<device.layout.pageSize] == older[0..<device.layout.pageSize])
        // A restart does not heal or reset them either.
        #expect(try device.session { try $0.info().damagedCount } == 2)
    }

    @Test func oneSlotReplayedFromAnOlderImageIsDamagedAndTheOthersServe() throws {
        let device = try EnrolledDevice()
        let older = try #require(device.earlier["flash.img"])
        var image = try device.state("flash.img")
        let alice = device.slotRange(1)
        image.replaceSubrange(alice, with: older[alice])
        try device.setState("flash.img", image)
        #expect(try device.inspect().damaged == 1)

        let (info, outcomes) = try device.session { client in (try client.info(), try device.recoverAll(client)) }
        #expect(info.damagedCount == 1)
        #expect(outcomes == [.recovered(Device.keys[0]), Device.damaged, .recovered(Device.keys[2])])
        #expect(try device.state("flash.img")[alice] == older[alice])
    }

    @Test func twoSlotsSwappedAreBothDamagedAndTheThirdServes() throws {
        let device = try EnrolledDevice()
        var image = try device.state("flash.img")
        let (bob, carol) = (device.slotRange(0), device.slotRange(2))
        let swapped = image
        image.replaceSubrange(bob, with: swapped[carol])
        image.replaceSubrange(carol, with: swapped[bob])
        try device.setState("flash.img", image)

        let (info, outcomes) = try device.session { client in (try client.info(), try device.recoverAll(client)) }
        #expect(info.damagedCount == 2)
        #expect(outcomes == [Device.damaged, .recovered(Device.keys[1]), Device.damaged])
        let after = try device.state("flash.img")
        #expect(after[bob] == image[bob])
        #expect(after[carol] == image[carol])
    }

    /// The negative twin: the same files put back untouched serve every record.
    @Test func untouchedFlashImageServesEveryRecord() throws {
        let device = try EnrolledDevice()
        let outcomes = try device.session { try device.recoverAll($0) }
        #expect(outcomes == Device.keys.map { .recovered($0) })
    }
}
