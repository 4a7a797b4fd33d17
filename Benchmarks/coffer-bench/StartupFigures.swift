import Foundation

/// Emulator start to ready file (issue 14): `coffer-emulator serve` on an existing state dir of 256
/// and of 4,096 slots, from spawn to the ready file (state loaded, every slot opened, socket bound),
/// beside the spawn-to-exit time of a trivial executable built the same way in the same run
/// (`coffer-noop`: same toolchain and configuration, imports FoundationEssentials as the emulator does,
/// does nothing), and beside the floor no emulator can go below (`coffer-noop-crypto`: the same, plus
/// OpenSSL 3 and libsodium linked and the first calls a booting chip makes, when OpenSSL sets up its
/// algorithm tables). Medians of `runs` starts each, the kinds alternating so a busy spell slows all;
/// wall time, since a start is what a test harness waits for.
///
/// Both are spawned with posix_spawn(3) and reaped with wait4(2): Foundation's `Process` notices an
/// exit only on its run loop's next turn, which added ~30 ms to every figure here. The emulator is
/// timed up to its ready file (polled every 100 µs); its shutdown afterwards is not part of its start.
struct StartupFigures {
    let runs: Int

    func run() throws -> [Measurement] {
        let emulator = BenchProcess.sibling("coffer-emulator").path
        let noop = BenchProcess.sibling("coffer-noop").path
        let floor = BenchProcess.sibling("coffer-noop-crypto").path
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-bench-start-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        var trivial: [Double] = []
        var floored: [Double] = []
        return try [256, 4096].flatMap { slots in
            let state = scratch.appendingPathComponent("state-\(slots)").path
            let made = try Spawn.quiet(emulator, ["init", "--state-dir", state, "--slots", "\(slots)", "--log-level", "error"])
            guard Spawn.reap(made).status == 0 else { throw BenchFailure("coffer-emulator init failed") }
            var started: [Double] = []
            for run in 0..<runs {
                trivial.append(try Self.timedRun(noop))
                floored.append(try Self.timedRun(floor))
                let ready = scratch.appendingPathComponent("ready-\(slots)-\(run).json").path
                var process: pid_t = 0
                started.append(try Self.timed {
                    process = try Spawn.quiet(
                        emulator, ["serve", "--state-dir", state, "--port", "0", "--ready-file", ready, "--log-level", "error"])
                    while access(ready, F_OK) != 0 {
                        var status: Int32 = 0
                        guard waitpid(process, &status, WNOHANG) == 0 else {
                            throw BenchFailure("coffer-emulator did not start")
                        }
                        usleep(100)
                    }
                })
                kill(process, SIGTERM)
                _ = Spawn.reap(process)
            }
            return [
                Measurement(
                    name: "emulator start to ready, \(slots) slots", value: Self.median(started), unit: "ms",
                    target: 1.5, better: "lower",
                    reference: .measured(
                        name: "spawn to exit of a trivial executable (coffer-noop)", value: Self.median(trivial))),
                Measurement(
                    name: "emulator start to ready, \(slots) slots, beside its floor", value: Self.median(started),
                    unit: "ms", target: 1.5, better: "lower",
                    reference: .measured(
                        name: "the same with OpenSSL 3 and libsodium set up as a chip's boot does (coffer-noop-crypto)",
                        value: Self.median(floored))),
            ]
        }
    }

    /// The wall time of `program` from spawn to exit, in milliseconds; a failure if it fails.
    private static func timedRun(_ program: String) throws -> Double {
        try timed {
            let process = try Spawn.quiet(program, [])
            guard Spawn.reap(process).status == 0 else { throw BenchFailure("\(program) failed") }
        }
    }

    /// The wall time of `body` in milliseconds.
    private static func timed(_ body: () throws -> Void) throws -> Double {
        let start = monotonicNanoseconds()
        try body()
        return Double(monotonicNanoseconds() - start) / 1e6
    }

    private static func median(_ times: [Double]) -> Double { times.sorted()[times.count / 2] }
}
