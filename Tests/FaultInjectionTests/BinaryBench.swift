import CofferEmulator
import CofferProtocol
import CofferTestSupport
import Foundation

/// The built `coffer-emulator` on a state dir: each command's starting state is made once and copied
/// for every point; the cut is `--crash-after-writes N` (the process ends with `PowerCut.exitStatus`
/// before write N reaches the files); the restart is a new `serve` on the same dir.
final class BinaryBench: PowerCutBench {
    let name = "coffer-emulator"
    static let seed = "c0ffee5eedc0ffee5eed"
    /// Slots of each device.
    let slots: String
    let workspace = TemporaryDirectory()
    private var templates: [WriteCommand: String] = [:]
    private var runs = 0

    init(slotCount: Int = 2) { slots = "\(slotCount)" }

    func point(_ command: WriteCommand, cutAt cut: Int?, bootCutAt bootCut: Int?) throws -> PointRun {
        let template = try self.template(for: command)
        runs += 1
        let dir = workspace.file("point-\(runs)")
        try FileManager.default.copyItem(atPath: template, toPath: dir)
        let ledger = Ledger()
        var problems: [String] = []
        let before: BeforeCommand
        let powerWasCut: Bool
        let crashArguments = cut.map { ["--crash-after-writes", "\($0)"] } ?? []
        if command == .initialize {
            before = BeforeCommand(aliceAttempts: nil)
            let result = try EmulatorProcess.run(
                ["init", "--state-dir", dir, "--seed", Self.seed, "--slots", slots] + crashArguments)
            powerWasCut = result.status == PowerCut.exitStatus
            if result.status == 0 { ledger.acknowledged = true }
            if result.status != 0 && !powerWasCut { problems.append("init exited \(result.status): \(result.stderr)") }
        } else {
            let emulator = try serve(dir, crashArguments)
            let client = try self.client(emulator)
            before = try BeforeCommand(command, client)
            var stopped: Error?
            do { try command.run(client, ledger) } catch { stopped = error }
            if emulator.process.isRunning {
                if let stopped { throw stopped }
                powerWasCut = false
                let status = emulator.stop()
                if status != 0 { problems.append("serve exited \(status) on SIGTERM") }
            } else {
                let status = emulator.waitForExit()
                powerWasCut = status == PowerCut.exitStatus
                if !powerWasCut { problems.append("serve exited \(status): \(emulator.stderr)") }
            }
        }
        var restarted: VaultTestClient?
        var finish: () -> Void = {}
        var bootWasCut = false
        if powerWasCut, let bootCut {
            let emulator = try serve(dir, ["--crash-after-writes", "\(bootCut)"])
            if (try? emulator.waitUntilReady()) != nil {
                let status = emulator.stop()
                if status != 0 { problems.append("serve exited \(status) on SIGTERM after booting") }
            } else {
                let status = emulator.waitForExit()
                bootWasCut = status == PowerCut.exitStatus
                if !bootWasCut { problems.append("serve did not boot, exit \(status): \(emulator.stderr)") }
            }
        }
        do {
            let emulator = try serve(dir, [])
            restarted = try client(emulator)
            finish = {
                let status = emulator.stop()
                if status != 0 { print("serve exited \(status) after the checks: \(emulator.stderr)") }
            }
        } catch {
            problems.append("the emulator did not restart: \(error)")
        }
        var run = PointRun(
            powerWasCut: powerWasCut, writes: nil, ledger: ledger, before: before, restarted: restarted,
            problems: problems, finish: finish)
        run.bootWasCut = bootWasCut
        run.restartFinishesInit = true
        return run
    }

    /// The state dir `command` starts from, made once: an initialised device prepared for it.
    private func template(for command: WriteCommand) throws -> String {
        if let made = templates[command] { return made }
        let dir = workspace.file("template-\(command.rawValue)")
        if command == .initialize {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        } else {
            let made = try EmulatorProcess.run(["init", "--state-dir", dir, "--seed", Self.seed, "--slots", slots])
            guard made.status == 0 else { throw SweepSetupFailed(what: "init: \(made.stderr)") }
            let emulator = try serve(dir, [])
            try command.prepare(client(emulator))
            guard emulator.stop() == 0 else { throw SweepSetupFailed(what: "serve: \(emulator.stderr)") }
        }
        try? FileManager.default.removeItem(atPath: dir + "/" + StateLock.fileName)
        templates[command] = dir
        return dir
    }

    /// Starts `serve` on `dir`; each run has its own ready file (a crashed run leaves its own behind).
    private func serve(_ dir: String, _ extra: [String]) throws -> EmulatorProcess {
        runs += 1
        return try EmulatorProcess(
            [
                "serve", "--state-dir", dir, "--port", "0", "--ready-file", workspace.file("\(runs).ready"),
                "--seed", Self.seed, "--slots", slots, "--slot-counters",
            ] + extra,
            stderrPath: workspace.file("\(runs).log"))
    }

    /// A client whose waits end as soon as the emulator is gone.
    private func client(_ emulator: EmulatorProcess) throws -> VaultTestClient {
        var host = try CTAPHIDTestHost(port: emulator.waitUntilReady().port)
        let process = emulator.process
        host.isDeviceAlive = { process.isRunning }
        return try VaultTestClient(host: host)
    }
}

extension BeforeCommand {
    init(aliceAttempts: UInt32?) { self.aliceAttempts = aliceAttempts }
}
