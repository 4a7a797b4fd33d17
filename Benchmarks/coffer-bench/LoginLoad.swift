import CofferCrypto
import CofferHost
import Foundation
import OPAQUE

/// Vault clients to lend to load clients: one per client (a realm account's own link and token), or
/// a few shared by all (a device holds a bounded number of logins at once: each client borrows a
/// channel of its own for a whole login and, when none is free, waits its turn, first come first served).
final class ClientPool: @unchecked Sendable {
    private let clients: [VaultClient]
    private let dedicated: Bool
    private var free: [Int]
    private let condition = NSCondition()
    /// Tickets handed out, and the oldest ticket not yet served: the order of the waits.
    private var issued = 0
    private var serving = 0

    /// Client `i` always gets `clients[i]`.
    init(dedicated clients: [VaultClient]) {
        self.clients = clients
        dedicated = true
        free = []
    }

    /// Any client gets whichever of `clients` is free.
    init(shared clients: [VaultClient]) {
        self.clients = clients
        dedicated = false
        free = Array(clients.indices)
    }

    /// Runs `body` with a vault client for load client `index`, borrowed for the call.
    func with<T>(client index: Int, _ body: (VaultClient) throws -> T) rethrows -> T {
        if dedicated { return try body(clients[index]) }
        condition.lock()
        let ticket = issued
        issued += 1
        while free.isEmpty || ticket != serving { condition.wait() }
        serving += 1
        let borrowed = free.removeLast()
        condition.broadcast()
        condition.unlock()
        defer {
            condition.lock()
            free.append(borrowed)
            condition.broadcast()
            condition.unlock()
        }
        return try body(clients[borrowed])
    }
}

/// What a timed run of logins gave.
struct LoadResult {
    /// Completed logins that recovered the right key, and each one's latency in nanoseconds, sorted.
    let latencies: [UInt64]
    /// Logins that failed or recovered a wrong key, and the first few of their errors.
    let errors: Int
    let firstErrors: [String]
    /// From the start signal until the last client finished its last login.
    let elapsedNanoseconds: UInt64
    /// This process's CPU time (user + system) over the same span: what the clients cost.
    let clientCPUNanoseconds: UInt64

    var logins: Int { latencies.count }
    var loginsPerSecond: Double { Double(logins) / (Double(elapsedNanoseconds) / 1e9) }

    /// The latency at `fraction` (0.5, 0.99) in milliseconds: the nearest-rank percentile.
    func percentileMilliseconds(_ fraction: Double) -> Double {
        guard !latencies.isEmpty else { return .nan }
        let rank = Int((fraction * Double(latencies.count)).rounded(.up))
        return Double(latencies[min(max(rank, 1), latencies.count) - 1]) / 1e6
    }
}

/// `clients` threads each registering account `accounts[i]`, then, from one start signal on, doing
/// full logins to it with the right password (`VaultClient.recover`: GetInfo and its identity
/// check, LoginStart, KE2, LoginFinish, the key opened and compared) until `seconds` have passed.
/// A right password re-bases the attempt counter, so an account never runs out of guesses.
/// A login's latency runs from the moment its client wants it (waiting for a shared channel
/// included) until the key is recovered.
struct LoginLoad {
    let accounts: [String]
    let seconds: Double
    let password = SecretBytes(Array("correct horse battery staple".utf8))

    func run(_ pool: ClientPool) throws -> LoadResult {
        let clients = accounts.count
        let shared = SharedRun(clients: clients)
        var threads: [Thread] = []
        for index in 0..<clients {
            let account = Array(accounts[index].utf8)
            let password = password
            let seconds = seconds
            let thread = Thread {
                shared.record(index, clientLoop(pool: pool, index: index, account: account, password: password,
                                                seconds: seconds, shared: shared))
            }
            thread.stackSize = 1 << 20
            threads.append(thread)
        }
        for thread in threads { thread.start() }
        try shared.waitUntilRegistered()
        let cpuBefore = processCPUNanoseconds()
        let start = monotonicNanoseconds()
        shared.startTimedWindow(at: start)
        shared.waitUntilDone()
        let elapsed = monotonicNanoseconds() - start
        let cpu = processCPUNanoseconds() - cpuBefore
        return shared.result(elapsed: elapsed, cpu: cpu)
    }
}

/// One client's work: register (untimed), wait for the start signal, log in until the deadline.
private func clientLoop(
    pool: ClientPool, index: Int, account: [UInt8], password: SecretBytes, seconds: Double, shared: SharedRun
) -> ClientOutcome {
    var outcome = ClientOutcome()
    let key = SecretBytes(SystemRandom().bytes(32))
    do {
        _ = try pool.with(client: index) { try $0.register(id: account, password: password, backupKey: key, attemptLimit: nil) }
    } catch {
        shared.registered(failure: "registering \(String(decoding: account, as: UTF8.self)): \(error)")
        return outcome
    }
    shared.registered(failure: nil)
    let start = shared.waitForStart()
    let deadline = start + UInt64(seconds * 1e9)
    while monotonicNanoseconds() < deadline {
        let began = monotonicNanoseconds()
        do {
            let recovered = try pool.with(client: index) { try $0.recover(id: account, password: password) }
            guard recovered == key else { throw BenchFailure("recovered a different key") }
            outcome.latencies.append(monotonicNanoseconds() - began)
        } catch {
            outcome.errors += 1
            if outcome.firstError == nil { outcome.firstError = "\(String(decoding: account, as: UTF8.self)): \(error)" }
        }
    }
    return outcome
}

private struct ClientOutcome {
    var latencies: [UInt64] = []
    var errors = 0
    var firstError: String?
}

/// What the client threads and the coordinating thread share, under one condition.
private final class SharedRun: @unchecked Sendable {
    private let condition = NSCondition()
    private let clients: Int
    private var registeredCount = 0
    private var registrationFailures: [String] = []
    private var start: UInt64?
    private var outcomes: [ClientOutcome?]
    private var done = 0

    init(clients: Int) {
        self.clients = clients
        outcomes = Array(repeating: nil, count: clients)
    }

    /// A client's registration ended, with what went wrong if it failed.
    func registered(failure: String?) {
        condition.lock()
        registeredCount += 1
        if let failure { registrationFailures.append(failure) }
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for every registration; a failed one fails the run (after the clients are told to stop).
    func waitUntilRegistered() throws {
        condition.lock()
        while registeredCount < clients { condition.wait() }
        let failures = registrationFailures
        condition.unlock()
        if let first = failures.first {
            startTimedWindow(at: 0)
            waitUntilDone()
            throw BenchFailure("\(failures.count) registrations failed; the first: \(first)")
        }
    }

    func startTimedWindow(at nanoseconds: UInt64) {
        condition.lock()
        start = nanoseconds
        condition.broadcast()
        condition.unlock()
    }

    func waitForStart() -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        while start == nil { condition.wait() }
        return start!
    }

    func record(_ index: Int, _ outcome: ClientOutcome) {
        condition.lock()
        outcomes[index] = outcome
        done += 1
        condition.broadcast()
        condition.unlock()
    }

    func waitUntilDone() {
        condition.lock()
        while done < clients { condition.wait() }
        condition.unlock()
    }

    func result(elapsed: UInt64, cpu: UInt64) -> LoadResult {
        condition.lock()
        defer { condition.unlock() }
        let all = outcomes.compactMap { $0 }
        return LoadResult(
            latencies: all.flatMap(\.latencies).sorted(), errors: all.reduce(0) { $0 + $1.errors },
            firstErrors: Array(all.compactMap(\.firstError).prefix(3)), elapsedNanoseconds: elapsed,
            clientCPUNanoseconds: cpu)
    }
}

/// This process's user + system CPU time in nanoseconds.
func processCPUNanoseconds() -> UInt64 {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func nanoseconds(_ time: timeval) -> UInt64 { UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_usec) * 1_000 }
    return nanoseconds(usage.ru_utime) + nanoseconds(usage.ru_stime)
}
