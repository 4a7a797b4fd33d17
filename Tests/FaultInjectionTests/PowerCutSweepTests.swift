import Foundation
import Testing

/// The power cut at every durable write of every command that writes (`WriteCommand`), then a
/// restart: no guess uncounted, no record lost or half-written, no key released without a valid KE3,
/// attempts never above the limit, and the device always comes back. `make test` runs every command
/// in-process and two on the built emulator; `make crash-test` (COFFER_CRASH_SWEEP=full) runs every
/// command on the built emulator too.
@Suite struct PowerCutSweepTests {
    static var isFull: Bool { ProcessInfo.processInfo.environment["COFFER_CRASH_SWEEP"] == "full" }

    @Test func everyWriteOfEveryCommandCutInProcessLosesNothingAndCountsEveryGuess() throws {
        let started = Date()
        let lines = try CrashSweep(bench: MemoryBench()).run(WriteCommand.allCases)
        print(CrashSweep.report(lines, bench: "in-process MemoryChip", seconds: Date().timeIntervalSince(started)))
        for line in lines {
            #expect(line.writes >= 1, "\(line.command) made no durable write")
            #expect(line.uncutWrites == line.writes, "\(line.command): cuts found \(line.writes) writes")
            for violation in line.violations { Issue.record("\(violation)") }
        }
    }

    @Test func everyWriteCutOnTheBuiltEmulatorLosesNothingAndCountsEveryGuess() throws {
        let commands: [WriteCommand] = Self.isFull ? WriteCommand.allCases : [.register, .lastAttempt]
        let started = Date()
        let lines = try CrashSweep(bench: BinaryBench()).run(commands)
        let form = Self.isFull ? "full" : "bounded"
        print(CrashSweep.report(lines, bench: "coffer-emulator (\(form))", seconds: Date().timeIntervalSince(started)))
        for line in lines {
            #expect(line.writes >= 1, "\(line.command) made no durable write")
            for violation in line.violations { Issue.record("\(violation)") }
        }
    }
}
