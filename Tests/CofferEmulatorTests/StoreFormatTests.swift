import CofferFirmware
import CofferTestSupport
import Testing

/// State made by protocol 1 (store format 2) is refused with the format named, never migrated and
/// never reformatted: its records were sealed under rules the firmware no longer trusts.
@Suite struct StoreFormatTests {
    let workspace = TemporaryDirectory()

    @Test func aStoreOfTheEarlierFormatIsRefusedByNameAndLeftAsItWas() throws {
        let state = workspace.file("state")
        let made = try EmulatorProcess.run(["init", "--state-dir", state])
        try #require(made.status == 0, "init: \(made.stderr)")
        var image = try workspace.bytes("state/flash.img")
        #expect(image[4] == SlotCopy.formatVersion)
        image[4] = 2
        try workspace.write("state/flash.img", image)

        for command in [["serve", "--port", "0"], ["inspect"]] {
            let run = try EmulatorProcess.run(command + ["--state-dir", state])
            #expect(run.status == 65, "\(command[0]): \(run.stderr)")
            #expect(run.stderr.contains("flash.img"), "\(run.stderr)")
            #expect(run.stderr.contains("store format 2, written for Coffer protocol 1"), "\(run.stderr)")
        }
        #expect(try workspace.bytes("state/flash.img") == image, "the old store was touched")
    }
}
