import CTAPHID
import CofferCrypto
import CofferHost
import CofferProtocol
import Foundation
import OPAQUE

/// Durable guesses per second on a slow medium (every fsync of the counters and the flash takes
/// `syncDelayMilliseconds` more: `serve --fsync-delay-ms`, the order of a real HSM's flash write):
/// `channels` hosts guessing at once on an emulator with `--group-commit`, beside one host guessing on
/// its own, one guess at a time, in the same run on an emulator with the same delay. Each host has its
/// own CTAPHID channel and its own record (limit 255), so no guess waits on another's record; each
/// LoginStart is built before the clock starts, so the hosts' CPU goes to sending and receiving only.
struct GroupCommittedGuesses {
    let channels: Int
    let guessesPerChannel: Int
    let syncDelayMilliseconds: Int

    /// The speed-up, and the emulator's peak resident set while it served the `channels` hosts.
    func run() throws -> [Measurement] {
        let delay = ["--fsync-delay-ms", String(syncDelayMilliseconds)]
        let single = try guessesPerSecond(
            emulator: BenchEmulator(slots: 1, extraArguments: delay), hosts: 1, guesses: guessesPerChannel * 2)
        let emulator = try BenchEmulator(slots: channels, extraArguments: delay + ["--group-commit"])
        var peak = 0.0
        let grouped = try guessesPerSecond(emulator: emulator, hosts: channels, guesses: guessesPerChannel) {
            peak = try emulator.peakResidentBytes()
        }
        return [
            Measurement(
                name: "durable guesses, \(channels) channels, group commit, fsync +\(syncDelayMilliseconds) ms",
                value: grouped, unit: "guesses/s", target: 4,
                reference: .measured(name: "one channel, one guess at a time, same delay", value: single)),
            Measurement(
                name: "emulator peak RSS, \(channels) channels guessing", value: peak, unit: "bytes", target: 1,
                better: "lower", reference: .measured(name: "64 MiB budget", value: 64 * 1024 * 1024)),
        ]
    }

    /// Guesses per second of `hosts` hosts each sending `guesses` wrong LoginStarts to its own record,
    /// all at once; the emulator is stopped afterwards.
    private func guessesPerSecond(
        emulator: BenchEmulator, hosts: Int, guesses: Int, beforeStopping: () throws -> Void = {}
    ) throws -> Double {
        defer { emulator.stop() }
        let suite = P256SHA256Suite(keyStretching: .identity)
        let client = OPAQUEClient(suite: suite, context: VaultOPAQUE.context)
        let random = SeededRandom(seed: Array("coffer-bench/group-commit".utf8))
        var workloads: [(CTAPHIDTransport, [[UInt8]])] = []
        for host in 0..<hosts {
            let transport = try CTAPHIDTransport(link: UDPLink(host: "127.0.0.1", port: emulator.port))
            let id = Array("host-\(host)".utf8)
            _ = try VaultClient(transport: transport, pins: nil).register(
                id: id, password: SecretBytes(Array("right".utf8)), backupKey: SecretBytes(random.bytes(32)),
                attemptLimit: 255)
            let requests = try (0..<guesses).map { _ in
                let (ke1, _) = try client.generateKE1(
                    password: SecretBytes(Array("wrong".utf8)), blind: blindScalar(suite: suite, random: random),
                    clientNonce: random.bytes(32), clientKeyshareSeed: SecretBytes(random.bytes(32)))
                return VaultRequest.loginStart(LoginStartRequest(credentialID: id, ke1: ke1.serialize()))
                    .encodedPayload()
            }
            workloads.append((transport, requests))
        }
        let command = CTAPHIDCommand(rawValue: VaultOperation.loginStart.rawValue)
        let failures = FailureBox()
        let start = monotonicNanoseconds()
        let threads = workloads.map { transport, requests in
            // Each transport is used by its own thread only.
            nonisolated(unsafe) let transport = transport
            return Thread {
                do {
                    for request in requests {
                        let reply = try VaultReply(decoding: transport.request(command, payload: request))
                        guard reply.status == .ok else { throw BenchFailure("LoginStart answered \(reply.status)") }
                    }
                } catch {
                    failures.record(error)
                }
                failures.finished()
            }
        }
        for thread in threads { thread.start() }
        failures.waitFor(threads.count)
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        if let error = failures.first { throw error }
        try beforeStopping()
        return Double(hosts * guesses) / seconds
    }
}

/// The first error of the hosts' threads, and a count of those that finished.
final class FailureBox: @unchecked Sendable {
    private let condition = NSCondition()
    private var done = 0
    private(set) var first: Error?

    func record(_ error: Error) {
        condition.lock()
        if first == nil { first = error }
        condition.unlock()
    }

    func finished() {
        condition.lock()
        done += 1
        condition.broadcast()
        condition.unlock()
    }

    func waitFor(_ count: Int) {
        condition.lock()
        while done < count { condition.wait() }
        condition.unlock()
    }
}
