// The realm as real processes (issue 13): three `coffer-emulator` members, the ceremony by `cofferctl
// realm create`, a `coffer-agent` beside each member on a `dir:` store, a `coffer-frontend`, and the
// client as the built `cofferctl` with an account's token and the realm's manifest. Ports are the OS's,
// read from ready files; nothing waits on a clock but a deadline.

import CofferEtcdCluster
import CofferTestSupport
import Foundation
import Testing

/// One running realm on this machine, torn down when released.
final class RunningRealm {
    let workspace = TemporaryDirectory()
    var members: [EmulatorProcess] = []
    var memberPorts: [Int] = []
    var agents: [EmulatorProcess?] = []
    var frontend: EmulatorProcess?
    var frontendURL = ""
    var frontendPort = 0
    /// Access tokens issued so far, by account (a token file serves every later call).
    private var tokens: [String: String] = [:]
    var realmHex = ""
    let store: String
    let etcd: EtcdCluster?

    /// A realm of `size` members on a `dir:` store, or on a real 3-member etcd cluster.
    init(size: Int, defaultLimit: Int, onEtcd: Bool) throws {
        etcd = onEtcd ? try EtcdCluster(size: 3) : nil
        store = etcd?.address ?? "dir:" + workspace.file("store")
        for id in 0..<size {
            let (member, port) = try startMember(id)
            members.append(member)
            memberPorts.append(port)
        }
        let manifest = workspace.file("manifest.json")
        let created = try cofferctl(
            ["realm", "create", "--test-realm", "--default-limit", "\(defaultLimit)", "--out", manifest]
                + memberPorts.flatMap { ["--member", "udp://127.0.0.1:\($0)"] })
        guard created.status == 0 else { throw SystemFailure("realm create: \(created.stderr)") }
        guard let realm = created.stdout.split(separator: " ").dropFirst().first else {
            throw SystemFailure("realm create said: \(created.stdout)")
        }
        realmHex = String(realm.dropLast())
        for id in 0..<size { agents.append(try startAgent(id)) }
        try openssl(["ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", workspace.file("auth.pem")])
        try openssl(["ec", "-in", workspace.file("auth.pem"), "-pubout", "-out", workspace.file("auth.pub.pem")])
        try startFrontend()
    }

    /// Starts the front-end (on a new port: `frontendURL` follows it), its log in a file of its own.
    func startFrontend() throws {
        let ready = workspace.file("frontend.ready")
        try? FileManager.default.removeItem(atPath: ready)
        let frontend = try EmulatorProcess(
            [
                "--listen", "127.0.0.1:0", "--ready-file", ready, "--auth-public-key",
                workspace.file("auth.pub.pem"), "--realm", realmHex, "--store", store,
                // The stories send an account's guesses back to back (each cofferctl run makes 3-4
                // requests): the default rate limit (5/s, 20 at once) would answer some 429. The
                // limiter itself is CofferFrontendTests' to prove.
                "--rate-burst", "1000", "--rate-per-second", "1000",
            ], stderrPath: workspace.file("frontend-\(UUID().uuidString.prefix(4)).log"),
            executable: EmulatorProcess.sibling("coffer-frontend"))
        frontendPort = try port(in: try frontend.waitForReadyFile())
        frontendURL = "http://127.0.0.1:\(frontendPort)"
        self.frontend = frontend
    }

    deinit {
        frontend.map { _ = $0.stop() }
        for agent in agents { agent.map { _ = $0.stop() } }
        for member in members { _ = member.stop() }
        etcd?.stop()
    }

    /// Starts member `id`'s emulator on its state dir (kept across restarts) on a new port, with `extra`
    /// arguments (e.g. `--crash-after-writes N`).
    func startMember(_ id: Int, extra: [String] = []) throws -> (EmulatorProcess, Int) {
        let ready = workspace.file("member\(id).ready")
        try? FileManager.default.removeItem(atPath: ready)
        let member = try EmulatorProcess(
            [
                "serve", "--state-dir", workspace.file("member\(id)"), "--port", "0", "--ready-file", ready,
                "--slots", "4", "--realm-member",
            ] + extra, stderrPath: workspace.file("member\(id)-\(UUID().uuidString.prefix(4)).log"))
        return (member, Int(try member.waitUntilReady().port))
    }

    /// Member `id` goes dark: its agent and its HSM stop.
    func stopMember(_ id: Int) {
        agents[id].map { _ = $0.stop() }
        agents[id] = nil
        _ = members[id].stop()
    }

    /// Member `id` comes back: its HSM on its state dir, then its agent, which catches up from the store.
    func restartMember(_ id: Int) throws {
        (members[id], memberPorts[id]) = try startMember(id)
        agents[id] = try startAgent(id)
    }

    func startAgent(_ id: Int) throws -> EmulatorProcess {
        let ready = workspace.file("agent\(id).ready")
        try? FileManager.default.removeItem(atPath: ready)
        let agent = try EmulatorProcess(
            [
                "--member", "udp://127.0.0.1:\(memberPorts[id])", "--store", store, "--listen", "127.0.0.1:0",
                "--ready-file", ready, "--data-center", "dc\(id % 2 + 1)",
            ], stderrPath: workspace.file("agent\(id)-\(UUID().uuidString.prefix(4)).log"), executable: EmulatorProcess.sibling("coffer-agent"))
        _ = try agent.waitForReadyFile()
        return agent
    }

    /// Waits until the realm answers a GetInfo through the front-end (a request that spends no guess),
    /// for at most `seconds`; it refuses with 503 until a majority of members' agents answer.
    func waitUntilServing(seconds: Double = 60) throws {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            let info = try client("alice", ["info"])
            if info.status == 0 { return }
            last = info.stderr
            _ = poll(nil, 0, 50)
        }
        throw SystemFailure("the realm did not serve again within \(seconds) s: \(last)\n\(logs)")
    }

    /// What every process said, for a failure's message.
    var logs: String {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: workspace.file(""))) ?? []
        let names = all.filter { ($0.hasPrefix("frontend") || $0.hasPrefix("agent")) && $0.hasSuffix(".log") }.sorted()
        let statuses = agents.indices.map { id in
            let answer = (try? port(in: workspace.file("agent\(id).ready"))).flatMap { httpGet(port: $0, path: "/v1/status") }
            return "--- agent \(id) status: \(answer ?? "no answer")"
        }
        return (names.map { name in "--- \(name)\n" + ((try? String(contentsOfFile: workspace.file(name), encoding: .utf8)) ?? "") }
            + statuses).joined(separator: "\n")
    }

    func token(_ account: String) throws -> String {
        if let path = tokens[account] { return path }
        let issued = try cofferctl([
            "token", "issue", "--auth-key", workspace.file("auth.pem"), "--account", account, "--realm", realmHex,
            "--ttl", "600",
        ])
        guard issued.status == 0 else { throw SystemFailure("token issue: \(issued.stderr)") }
        let path = workspace.file("token-\(account)")
        try Data(issued.stdout.utf8).write(to: URL(fileURLWithPath: path))
        tokens[account] = "@" + path
        return "@" + path
    }

    /// cofferctl as the account's client: through the front-end, pinned to the manifest.
    func client(_ account: String, _ arguments: [String], input: String? = nil) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        try cofferctl(try clientArguments(account, arguments), input: input)
    }

    /// The command line of `client(account, arguments)`, for a run on another thread.
    func clientArguments(_ account: String, _ arguments: [String]) throws -> [String] {
        ["--device", frontendURL, "--token", try token(account), "--manifest", workspace.file("manifest.json")]
            + arguments
    }
}

/// Throws `SystemFailure(message)` unless `condition` holds.
func check(_ condition: Bool, _ message: @autoclosure () -> String, line: Int = #line) throws {
    guard condition else { throw SystemFailure("line \(line): \(message())") }
}

struct SystemFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func port(in readyFile: String) throws -> Int {
    let data = try Data(contentsOf: URL(fileURLWithPath: readyFile))
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any], let port = object["port"] as? Int
    else { throw SystemFailure("no port in \(readyFile)") }
    return port
}

func cofferctl(_ arguments: [String], input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    try runProgram(EmulatorProcess.sibling("cofferctl"), arguments, input: input)
}

func openssl(_ arguments: [String]) throws {
    let result = try runProgram("/usr/bin/openssl", arguments)
    guard result.status == 0 else { throw SystemFailure("openssl \(arguments): \(result.stderr)") }
}

func runProgram(_ path: String, _ arguments: [String], input: String? = nil) throws
    -> (status: Int32, stdout: String, stderr: String)
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    for name in ["COFFER_TOKEN", "COFFER_MANIFEST", "COFFER_DEVICE"] { environment[name] = nil }
    process.environment = environment
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    // stderr is read on its own thread so that a chatty child never blocks on a full pipe.
    final class Collected: @unchecked Sendable { var data = Data() }
    let errors = Collected()
    let group = DispatchGroup()
    group.enter()
    Thread {
        errors.data = stderr.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }.start()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: errors.data, as: UTF8.self))
}

@Suite("A realm as processes: emulator members, agents, a front-end, cofferctl", .serialized)
struct RealmSystemTests {
    @Test(
        "the whole story: register, recover, another account refused, take-over, a lost majority refuses and spends no guess, catch-up, the guess limit",
        arguments: ["dir", "etcd"])
    func wholeStory(store: String) async throws {
        // The story blocks on child processes for half a minute: on a thread of its own, so that Swift's
        // cooperative pool (two threads here) stays free for the suites running beside it.
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            Thread { continuation.resume(with: Result { try Self.story(store: store) }) }.start()
        }
    }

    /// The story, off Swift Testing's task: a failed check throws (an expectation recorded on another
    /// thread would not reach the test).
    static func story(store: String) throws {
        let realm = try RunningRealm(size: 3, defaultLimit: 3, onEtcd: store == "etcd")
        func recover(_ password: String, as account: String = "alice") throws -> (status: Int32, stdout: String, stderr: String) {
            try realm.client(account, ["recover", "--id", "alice", "--password-stdin"], input: password + "\n")
        }
        let registered = try realm.client("alice", ["register", "--id", "alice", "--password-stdin"], input: "correct horse\n")
        try check(registered.status == 0, "\(registered.stderr)\n\(realm.logs)")
        let recovered = try recover("correct horse")
        try check(recovered.status == 0, "\(recovered.stderr)\n\(realm.logs)")
        try check(recovered.stdout.count >= 64, "recovered.stdout.count >= 64")

        // Another account's token cannot spend alice's guesses: refused before any member is asked.
        let other = try recover("guess", as: "mallory")
        try check(other.status != 0 && other.status != 10 && other.status != 11, "\(other.stderr)")

        // The leader's agent goes away: another member's agent takes over and serves.
        try check(realm.agents[0]?.stop() == 0, "realm.agents[0]?.stop() == 0")
        realm.agents[0] = nil
        let afterTakeOver = try recover("correct horse")
        try check(afterTakeOver.status == 0, "\(afterTakeOver.stderr)\n\(realm.logs)")
        try check(afterTakeOver.stdout == recovered.stdout, "afterTakeOver.stdout == recovered.stdout")
        realm.agents[0] = try realm.startAgent(0)

        // Two of three members go dark: no majority can commit, so a guess is refused, uncounted.
        realm.stopMember(1)
        realm.stopMember(2)
        let refused = try recover("wrong")
        try check(refused.status != 0 && refused.status != 10 && refused.status != 11, "\(refused.stderr)")

        // They come back and catch up; the refused guess was never counted: three wrong guesses still
        // leave 2, then 1, then destroy the key for good (limit 3), even for the right password.
        try realm.restartMember(1)
        try realm.restartMember(2)
        // The leader's agent sees them again within its heartbeats: until then it refuses, as above.
        try realm.waitUntilServing()
        let first = try recover("wrong")
        try check(first.status == 10, "\(first.stderr)\n\(realm.logs)")
        try check(first.stderr.contains("2"), "\(first.stderr)")
        let second = try recover("wrong")
        try check(second.status == 10, "\(second.stderr)")
        let third = try recover("wrong")
        try check(third.status == 11, "\(third.stderr)")
        let afterDestruction = try recover("correct horse")
        try check(afterDestruction.status == 11, "\(afterDestruction.stderr)")
    }
}
