import CTAPHID
import CofferFirmware
import CofferProtocol
import CofferTestSupport
import Foundation
import Testing

@testable import CofferEmulator

/// Group commit (`serve --group-commit`): counter changes wait in RAM and share one durable write,
/// which is made before any reply that depends on them leaves, and before any flash write.
@Suite struct GroupCommitTests {
    let directory = TemporaryDirectory()
    var path: String { directory.file(CounterFile.fileName) }

    func makeBank(powerCut: PowerCut = PowerCut()) throws -> CounterFile {
        try CounterFile.create(path: path, count: 4, powerCut: PowerCut())
        let bank = try CounterFile(path: path, powerCut: powerCut)
        bank.groupsCommits = true
        return bank
    }

    /// What a power-on would find in the file now.
    func onFile() throws -> [UInt32] {
        let bank = try CounterFile(path: path, powerCut: PowerCut())
        return try (0..<bank.count).map { try bank.read($0) }
    }

    @Test func stagedChangesAreSeenByTheChipAndReachTheFileInOneWriteAtTheCommit() throws {
        let powerCut = PowerCut()
        let bank = try makeBank(powerCut: powerCut)
        #expect(try bank.increment(1) == 1)
        #expect(try bank.increment(1) == 2)
        #expect(try bank.advance(3, to: 7) == 7)
        #expect(try bank.read(1) == 2 && bank.hasStagedChanges)
        #expect(try onFile() == [0, 0, 0, 0])
        #expect(powerCut.writesAdmitted == 0)

        try bank.commit()
        #expect(try onFile() == [0, 2, 0, 7])
        #expect(powerCut.writesAdmitted == 1)
        #expect(!bank.hasStagedChanges)
        try bank.commit()
        #expect(powerCut.writesAdmitted == 1, "a commit with nothing staged writes nothing")
    }

    @Test func aPowerCutAtTheCommitLosesEveryStagedChangeAndNothingElse() throws {
        let bank = try makeBank(powerCut: PowerCut(cutAt: 2, effect: .failWrites))
        _ = try bank.increment(0)
        try bank.commit()
        _ = try bank.increment(0)
        _ = try bank.increment(2)
        #expect(throws: HALError.ioFailure) { try bank.commit() }
        #expect(try onFile() == [1, 0, 0, 0])
        #expect(throws: HALError.ioFailure) { try bank.increment(1) }
    }

    /// The chip's order holds across files: a flash write commits the counters' staged changes first,
    /// so a cut between the two leaves the counter raised and the flash untouched, never the reverse.
    @Test func aFlashWriteCommitsTheStagedCountersFirst() throws {
        for cut in 1...2 {
            let state = StateDirectory(path: directory.file("state\(cut)"))
            let geometry: (Int) -> FlashGeometry? = { FlashGeometry(pageSize: 32, pageCount: $0) }
            do {
                // A made chip (fuses burned): a raised counter beside blank fuses would read as lost fuses.
                let media = try ChipMedia(
                    directory: state, newCounterCount: 4, flashGeometry: geometry, powerCut: PowerCut())
                try media.fuses.burn(FuseContents(uds: [UInt8](repeating: 0xA5, count: 32), serial: 42))
                media.releaseLock()
            }
            let media = try ChipMedia(
                directory: state, newCounterCount: nil, flashGeometry: geometry,
                powerCut: PowerCut(cutAt: cut, effect: .failWrites))
            try media.groupCommits(true)
            _ = try media.counters.increment(2)
            #expect(throws: HALError.ioFailure) { try media.flash.program(offset: 0, bytes: [0x00]) }
            media.releaseLock()

            let reopened = try ChipMedia(
                directory: state, newCounterCount: nil, flashGeometry: geometry, powerCut: PowerCut())
            let raised = try reopened.counters.read(2) == 1
            let programmed = try reopened.flash.read(offset: 0, count: 1) == [0x00]
            #expect(raised == (cut == 2), "cut at write \(cut): the commit is write 1")
            #expect(!programmed, "cut at write \(cut): the flash write is write 2")
            reopened.releaseLock()
        }
    }
}

/// Group commit on the built emulator, with several hosts guessing at once on their own channels.
@Suite struct GroupCommitEmulatorTests {
    let workspace = TemporaryDirectory()
    var stateDir: String { workspace.file("state") }
    let credential = Array("alice@example.org".utf8)
    static let limit: UInt8 = 200

    func serve(_ extra: [String] = []) throws -> EmulatorProcess {
        let run = UUID().uuidString
        return try EmulatorProcess(
            ["serve", "--state-dir", stateDir, "--port", "0", "--ready-file", workspace.file("\(run).ready")] + extra,
            stderrPath: workspace.file("\(run).log"))
    }

    func attemptsOfSlot0() throws -> Int {
        let result = try EmulatorProcess.run(["inspect", "--state-dir", stateDir, "--json"])
        try #require(result.status == 0, "inspect failed: \(result.stderr)")
        let report = try JSONDecoder().decode(DeviceReport.self, from: Data(result.stdout.utf8))
        return Int(report.usedSlots.first { $0.slot == 0 }?.attempts ?? 0)
    }

    /// A registered record with `limit` guesses, served by no emulator (the one that made it stopped).
    func registerRecord() throws {
        let emulator = try serve(["--slots", "4", "--max-attempt-limit", "\(Self.limit)"])
        try VaultTestClient(host: CTAPHIDTestHost(port: emulator.waitUntilReady().port))
            .register(credential, attemptLimit: Self.limit)
        #expect(emulator.stop() == 0)
    }

    /// What the hosts saw: every KE2 they got, as the attempts it said were used.
    final class Seen: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var attemptsUsed: [Int] = []
        private(set) var errors: [String] = []
        func add(_ used: Int) { lock.withLock { attemptsUsed.append(used) } }
        func fail(_ error: Error) { lock.withLock { errors.append("\(error)") } }
    }

    /// `hosts` hosts, each on its own channel, each sending `guesses` wrong LoginStarts in a row to the
    /// record; returns when every host is done (or its device went away).
    static func guess(
        _ credential: [UInt8], port: UInt16, hosts: Int, guesses: Int, alive: (@Sendable () -> Bool)? = nil
    ) throws -> Seen {
        let seen = Seen()
        let clients = try (0..<hosts).map { _ in
            var host = try CTAPHIDTestHost(port: port)
            host.isDeviceAlive = alive
            return try VaultTestClient(host: host, password: Array("wrong".utf8))
        }
        let group = DispatchGroup()
        for client in clients {
            group.enter()
            // Each client (its socket and channel) is used by its own thread only.
            nonisolated(unsafe) let client = client
            Thread {
                defer { group.leave() }
                do {
                    var sent = 0
                    while sent < guesses {
                        do {
                            let remaining = try client.startLogin(credential)
                            seen.add(Int(Self.limit) - Int(remaining))
                            sent += 1
                        } catch CTAPHIDHostError.device(.channelBusy) {
                            // Another host's message was half in: refused unread, sent again (as hosts do).
                            continue
                        }
                    }
                } catch {
                    seen.fail(error)
                }
            }.start()
        }
        group.wait()
        return seen
    }

    /// Eight hosts guess at once: every guess is counted exactly once and each got an attempt number
    /// of its own, so no increment of a group was lost or shared.
    @Test func concurrentGuessesAreEachCountedOnce() async throws {
        try registerRecord()
        let emulator = try serve(["--group-commit"])
        let port = try emulator.waitUntilReady().port
        let credential = credential
        let seen = try await onThread { try Self.guess(credential, port: port, hosts: 8, guesses: 6) }
        #expect(seen.errors.isEmpty, "\(seen.errors)")
        #expect(seen.attemptsUsed.sorted() == Array(1...48))
        #expect(emulator.stop() == 0)
        #expect(try attemptsOfSlot0() == 48)
    }

    /// The attack: many hosts guessing at once, and the power cut at a group's commit. Every KE2 a host
    /// received must be covered by a durable count: no host may hold a KE2 for a guess the device
    /// forgot. (Sending a group's replies before its commit makes this fail: the cut group's KE2s arrive
    /// and their increments are lost.)
    @Test func noKE2LeavesBeforeItsGuessIsDurable() async throws {
        try registerRecord()
        for cut in [2, 3] {
            let before = try attemptsOfSlot0()
            let emulator = try serve(["--group-commit", "--crash-after-writes", "\(cut)"])
            let port = try emulator.waitUntilReady().port
            nonisolated(unsafe) let process = emulator.process
            let credential = credential
            let seen = try await onThread {
                try Self.guess(credential, port: port, hosts: 8, guesses: 4, alive: { process.isRunning })
            }
            #expect(emulator.waitForExit() == PowerCut.exitStatus, "cut at write \(cut): \(emulator.stderr)")
            let counted = try attemptsOfSlot0() - before
            let received = seen.attemptsUsed.count
            #expect(received > 0, "cut at write \(cut): the first group's KE2s arrive")
            #expect(counted >= received, "cut at write \(cut): \(received) KE2s, \(counted) guesses durable")
            #expect((seen.attemptsUsed.max() ?? 0) <= before + counted, "a KE2 claims an attempt never made durable")
        }
    }
}

/// Runs `body` on a thread of its own: it blocks on sockets and child processes, which must not hold
/// one of the cooperative pool's two threads.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
