import Foundation

/// Emulator start to ready file (issue 14): `coffer-emulator serve` on an existing state dir of 256
/// and of 4,096 slots, from spawn to the ready file (state loaded, every slot opened, socket bound),
/// beside the spawn-to-exit time of a trivial executable built the same way in the same run
/// (`coffer-bench --noop`: same toolchain, configuration and runtime libraries, does nothing).
/// Medians of `runs` starts each; wall time, since a start is what a test harness waits for.
struct StartupFigures {
    let runs: Int

    func run() throws -> [Measurement] {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let emulator = here.deletingLastPathComponent().appendingPathComponent("coffer-emulator")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-bench-start-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        let trivial = try median {
            let process = try Self.spawn(here, ["--noop"])
            process.waitUntilExit()
        }
        return try [256, 4096].map { slots in
            let state = scratch.appendingPathComponent("state-\(slots)").path
            let made = try Self.spawn(emulator, ["init", "--state-dir", state, "--slots", "\(slots)", "--log-level", "error"])
            made.waitUntilExit()
            guard made.terminationStatus == 0 else { throw BenchFailure("coffer-emulator init failed") }
            var run = 0
            let started = try median {
                run += 1
                let ready = scratch.appendingPathComponent("ready-\(slots)-\(run).json").path
                let process = try Self.spawn(
                    emulator, ["serve", "--state-dir", state, "--port", "0", "--ready-file", ready, "--log-level", "error"])
                while !FileManager.default.fileExists(atPath: ready) {
                    guard process.isRunning else { throw BenchFailure("coffer-emulator did not start") }
                    usleep(100)
                }
                process.terminate()
                process.waitUntilExit()
            }
            return Measurement(
                name: "emulator start to ready, \(slots) slots", value: started, unit: "ms", target: 1.5,
                better: "lower",
                reference: .measured(name: "spawn to exit of a trivial executable (coffer-bench --noop)", value: trivial))
        }
    }

    /// The median wall time of `runs` calls of `body`, in milliseconds.
    private func median(_ body: () throws -> Void) throws -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let start = monotonicNanoseconds()
            try body()
            times.append(Double(monotonicNanoseconds() - start) / 1e6)
        }
        return times.sorted()[times.count / 2]
    }

    private static func spawn(_ binary: URL, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
