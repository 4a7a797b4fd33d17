import CofferFrontendLink
import CofferCrypto
import CofferHost
import Foundation
import OPAQUE

/// A realm as the product runs it, from the release binaries beside this benchmark: `members`
/// `coffer-emulator serve --realm-member` processes in one group (all in one "data center": this
/// is one machine), the ceremony by `cofferctl realm create`, a `coffer-agent` beside each member
/// on a `dir:` store, and one `coffer-frontend`. Ports are the OS's, read from ready files.
final class BenchRealm {
    let realmHex: String
    let manifest: RealmManifestFile
    let frontendURL: String
    private let processes: BenchProcesses

    /// Starts the realm; registrations may ask for up to `limit` guesses, and the front-end lets
    /// each account make `ratePerSecond` requests a second (its default of 5 would cap a load test).
    init(members: Int, limit: Int, ratePerSecond: Int) throws {
        let processes = try BenchProcesses(name: "coffer-bench-realm-\(getpid())")
        let realmHex = SystemRandom().bytes(16).map { String(format: "%02x", $0) }.joined()
        let store = "dir:" + processes.file("store").path
        do {
            var memberPorts: [Int] = []
            for id in 0..<members {
                let ready = processes.file("member\(id).ready")
                let member = try processes.start(
                    "coffer-emulator",
                    [
                        "serve", "--state-dir", processes.file("member\(id)").path, "--port", "0", "--ready-file",
                        ready.path, "--slots", "4", "--realm-member", "--log-level", "warning",
                    ], log: "member\(id).log")
                memberPorts.append(try member.waitForPort(ready))
            }
            let manifestFile = processes.file("manifest.json")
            _ = try runSibling(
                "cofferctl",
                ["realm", "create", "--test-realm", "--realm-id", realmHex, "--default-limit", "\(limit)",
                 "--out", manifestFile.path] + memberPorts.flatMap { ["--member", "udp://127.0.0.1:\($0)"] })
            manifest = try RealmManifestFile.load(manifestFile.path)
            for id in 0..<members {
                let ready = processes.file("agent\(id).ready")
                let agent = try processes.start(
                    "coffer-agent",
                    [
                        "--member", "udp://127.0.0.1:\(memberPorts[id])", "--store", store, "--listen", "127.0.0.1:0",
                        "--ready-file", ready.path, "--data-center", "dc1",
                    ], log: "agent\(id).log")
                _ = try agent.waitForReadyFile(ready)
            }
            let openssl = URL(fileURLWithPath: "/usr/bin/openssl")
            let auth = processes.file("auth.pem").path
            let authPublic = processes.file("auth.pub.pem").path
            _ = try runProgram(openssl, ["ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", auth])
            _ = try runProgram(openssl, ["ec", "-in", auth, "-pubout", "-out", authPublic])
            let ready = processes.file("frontend.ready")
            let frontend = try processes.start(
                "coffer-frontend",
                [
                    "--listen", "127.0.0.1:0", "--ready-file", ready.path, "--auth-public-key", authPublic,
                    "--realm", realmHex, "--store", store, "--rate-per-second", "\(ratePerSecond)",
                    "--rate-burst", "\(ratePerSecond)", "--log-level", "warning",
                ], log: "frontend.log")
            frontendURL = "http://127.0.0.1:\(try frontend.waitForPort(ready))"
        } catch {
            processes.stop()
            throw error
        }
        self.realmHex = realmHex
        self.processes = processes
    }

    /// A token for `account`, issued by `cofferctl token issue` with the operator's auth key.
    func token(account: String) throws -> String {
        try runSibling(
            "cofferctl",
            ["token", "issue", "--auth-key", processes.file("auth.pem").path, "--account", account, "--realm", realmHex,
             "--ttl", "3600"]
        ).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `account`'s vault client through the front-end, pinned to the manifest, with its own HTTP link.
    func client(account: String, suite: P256SHA256Suite) throws -> VaultClient {
        let link = try FrontendLink(base: frontendURL, token: try token(account: account), caFile: nil)
        return VaultClient(
            transport: link, pins: nil, p256Suite: suite, realm: RealmPin(manifest: manifest.manifest, account: account))
    }

    /// Waits until `client` gets a GetInfo answered (the front-end says 503 until a leader with a
    /// majority behind it is found), for at most `seconds`.
    func waitUntilServing(_ client: VaultClient, seconds: Double = 60) throws {
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        while true {
            do {
                _ = try client.verifiedDevice()
                return
            } catch {
                guard monotonicNanoseconds() < deadline else {
                    throw BenchFailure("the realm did not serve within \(seconds) s: \(error)\n\(logs)")
                }
            }
            _ = poll(nil, 0, 20)
        }
    }

    /// The end of every process's log, for a failure's message.
    var logs: String { processes.logs }

    /// Stops every process of the realm and removes its files.
    func stop() { processes.stop() }
}
