import CofferCrypto
import CofferHost
import Foundation
import OPAQUE

/// The realm's bounded load test (issue 13): `clients` concurrent clients doing full logins through
/// a running realm's front-end for `seconds`, beside the same clients doing the same logins against
/// one standalone `coffer-emulator` over UDP CTAPHID in the same run.
///
/// The realm: 3 members in one group (one machine, so one "data center"), an agent beside each on a
/// `dir:` store, one front-end, each client with its own account, token and HTTP link; the front-end's
/// per-account rate limit is raised out of the way (its default, 5 requests a second, would make this
/// a test of the limiter). The device: it holds `FirmwareConfiguration.defaultPendingLoginCapacity`
/// logins at once, so the clients share that many CTAPHID channels and a login waits for a free one
/// (the wait is part of its latency). Both sides use the identity KSF, so the clients' CPU (the same
/// OPAQUE work on both sides) stays small beside the server's; what the clients cost is printed.
///
/// A failed login on either side fails the benchmark, after its figures are printed.
struct RealmFrontendLoad {
    let clients: Int
    let seconds: Double
    let referenceSeconds: Double
    /// The device's channels: as many logins as it holds pending at once.
    let deviceChannels = 8

    func run(report: (Measurement) -> Void) throws {
        let suite = P256SHA256Suite(keyStretching: .identity)
        let accounts = (0..<clients).map { String(format: "load-%02d", $0) }
        let realm = try measureRealm(accounts: accounts, suite: suite)
        let device = try measureDevice(accounts: accounts, suite: suite)
        note("realm", realm)
        note("single device", device)

        report(Measurement(
            name: "realm logins, \(clients) clients via front-end", value: realm.loginsPerSecond, unit: "logins/s",
            target: 0.5,
            reference: .measured(name: "one emulator over UDP, same clients", value: device.loginsPerSecond)))
        for (label, fraction) in [("p50", 0.5), ("p99", 0.99)] {
            var latency = Measurement(
                name: "realm login latency \(label)", value: realm.percentileMilliseconds(fraction), unit: "ms",
                target: 4,
                reference: .measured(name: "one emulator's \(label), same clients",
                                     value: device.percentileMilliseconds(fraction)))
            latency.better = "lower"
            report(latency)
        }
        for (side, result) in [("realm", realm), ("single device", device)] {
            var failed = Measurement(
                name: "failed logins, \(side)", value: Double(result.errors), unit: "logins", target: 0,
                reference: .measured(name: "logins tried", value: Double(result.logins + result.errors)))
            failed.better = "lower"
            report(failed)
        }
        for (side, result) in [("realm", realm), ("single device", device)] where result.errors > 0 {
            throw BenchFailure(
                "\(result.errors) of \(result.logins + result.errors) logins failed on the \(side): "
                    + result.firstErrors.joined(separator: "; "))
        }
    }

    /// The load through a realm started for it, stopped after.
    private func measureRealm(accounts: [String], suite: P256SHA256Suite) throws -> LoadResult {
        let realm = try BenchRealm(members: 3, limit: 100, ratePerSecond: 1_000_000)
        defer { realm.stop() }
        do {
            let vaults = try accounts.map { try realm.client(account: $0, suite: suite) }
            try realm.waitUntilServing(vaults[0])
            let result = try LoginLoad(accounts: accounts, seconds: seconds).run(ClientPool(dedicated: vaults))
            if result.errors > 0 { FileHandle.standardError.write(Data(realm.logs.utf8)) }
            return result
        } catch {
            throw BenchFailure("\(error)\n\(realm.logs)")
        }
    }

    /// The load against one standalone emulator started for it, stopped after.
    private func measureDevice(accounts: [String], suite: P256SHA256Suite) throws -> LoadResult {
        let emulator = try BenchEmulator(slots: accounts.count)
        defer { emulator.stop() }
        let vaults = try (0..<deviceChannels).map { _ in
            VaultClient(
                transport: try CTAPHIDTransport(link: UDPLink(host: "127.0.0.1", port: emulator.port)), pins: nil,
                p256Suite: suite)
        }
        return try LoginLoad(accounts: accounts, seconds: referenceSeconds).run(ClientPool(shared: vaults))
    }

    /// What a run gave besides the figures (its size and the clients' own CPU), on stderr.
    private func note(_ side: String, _ result: LoadResult) {
        let seconds = Double(result.elapsedNanoseconds) / 1e9
        let cpu = Double(result.clientCPUNanoseconds) / 1e9
        let figures = String(
            format: "%d logins in %.1f s, %d failed; the clients used %.1f CPU-s (%.0f%% of one core)", result.logins,
            seconds, result.errors, cpu, 100 * cpu / seconds)
        FileHandle.standardError.write(Data("realm-load: \(side): \(figures)\n".utf8))
    }
}
