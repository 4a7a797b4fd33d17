import Foundation
import Testing

/// Operator commands against a built emulator: counters, zeroize and what it leaves.
@Suite(.serialized) struct AdminTests {
    let scratch = Scratch()

    @Test("counters show a record's slot; zeroize needs the right serial, then every key is destroyed (11)")
    func countersAndZeroize() throws {
        let emulator = try EmulatorProcess(
            stateDirectory: scratch.file("state"), extra: ["--slot-counters"], in: scratch.path)
        let device = ["--device", emulator.device]
        #expect(try scratch.cofferctl(device + ["register", "--id", "dave", "--password-stdin"], input: "pw\n")
            .status == 0)
        let counters = try scratch.cofferctl(device + ["--json", "admin", "counters"]).object()
        #expect((counters["slotCount"] as? Int ?? 0) > 0)
        let used = try #require(counters["usedSlots"] as? [[String: Any]])
        #expect(used.count == 1)
        #expect((used.first?["attempts"] as? Int) == 1, "the deposit login counted one attempt")

        let wrong = try scratch.cofferctl(device + ["admin", "zeroize", "--serial", "0000000000000001"])
        #expect(wrong.status == 1)
        let zeroized = try scratch.cofferctl(device + ["--json", "admin", "zeroize", "--serial", emulator.serial])
        #expect(zeroized.status == 0, "\(zeroized.stderr)")
        #expect(try zeroized.object()["zeroized"] as? String == "ok")
        let recover = try scratch.cofferctl(device + ["recover", "--id", "dave", "--password-stdin"], input: "pw\n")
        #expect(recover.status == 11)
        #expect(recover.stderr.contains("zeroized"))
        let info = try scratch.cofferctl(device + ["--json", "info"]).object()
        #expect(info["lifecycle"] as? String == "zeroized")
    }

    @Test("provision refuses a device that is already operational")
    func provisionOperational() throws {
        let emulator = try EmulatorProcess(stateDirectory: scratch.file("state"), in: scratch.path)
        let result = try scratch.cofferctl(["--device", emulator.device, "admin", "provision"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("provisioned already"), "a sentence, not the status's name")
    }
}
