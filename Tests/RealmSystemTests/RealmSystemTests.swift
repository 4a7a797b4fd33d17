// The realm as real processes (issue 13): three `coffer-emulator` members, the ceremony by `cofferctl
// realm create`, a `coffer-agent` beside each member on a `dir:` store, a `coffer-frontend`, and the
// client as the built `cofferctl` with an account's token and the realm's manifest. Ports are the OS's,
// read from ready files; nothing waits on a clock but a deadline.

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
    var realmHex = ""
    let store: String

    init(size: Int, defaultLimit: Int) throws {
        store = "dir:" + workspace.file("store")
        for id in 0..<size {
            let member = try EmulatorProcess(
                [
                    "serve", "--state-dir", workspace.file("member\(id)"), "--port", "0", "--ready-file",
                    workspace.file("member\(id).ready"), "--slots", "4", "--realm-member",
                ], stderrPath: workspace.file("member\(id).log"))
            memberPorts.append(Int(try member.waitUntilReady().port))
            members.append(member)
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
        let frontend = try EmulatorProcess(
            [
                "--listen", "127.0.0.1:0", "--ready-file", workspace.file("frontend.ready"), "--auth-public-key",
                workspace.file("auth.pub.pem"), "--realm", realmHex, "--store", store,
            ], stderrPath: workspace.file("frontend.log"), executable: EmulatorProcess.sibling("coffer-frontend"))
        frontendURL = "http://127.0.0.1:\(try port(in: try frontend.waitForReadyFile()))"
        self.frontend = frontend
    }

    deinit {
        frontend.map { _ = $0.stop() }
        for agent in agents { agent.map { _ = $0.stop() } }
        for member in members { _ = member.stop() }
    }

    func startAgent(_ id: Int) throws -> EmulatorProcess {
        let ready = workspace.file("agent\(id).ready")
        try? FileManager.default.removeItem(atPath: ready)
        let agent = try EmulatorProcess(
            [
                "--member", "udp://127.0.0.1:\(memberPorts[id])", "--store", store, "--listen", "127.0.0.1:0",
                "--ready-file", ready, "--data-center", "dc\(id % 2 + 1)",
            ], stderrPath: workspace.file("agent\(id).log"), executable: EmulatorProcess.sibling("coffer-agent"))
        _ = try agent.waitForReadyFile()
        return agent
    }

    /// What every process said, for a failure's message.
    var logs: String {
        let names = ["frontend.log"] + agents.indices.map { "agent\($0).log" }
        return names.map { name in "--- \(name)\n" + ((try? String(contentsOfFile: workspace.file(name), encoding: .utf8)) ?? "") }
            .joined(separator: "\n")
    }

    func token(_ account: String) throws -> String {
        let issued = try cofferctl([
            "token", "issue", "--auth-key", workspace.file("auth.pem"), "--account", account, "--realm", realmHex,
            "--ttl", "600",
        ])
        guard issued.status == 0 else { throw SystemFailure("token issue: \(issued.stderr)") }
        let path = workspace.file("token-\(account)")
        try Data(issued.stdout.utf8).write(to: URL(fileURLWithPath: path))
        return "@" + path
    }

    /// cofferctl as the account's client: through the front-end, pinned to the manifest.
    func client(_ account: String, _ arguments: [String], input: String? = nil) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        try cofferctl(
            ["--device", frontendURL, "--token", try token(account), "--manifest", workspace.file("manifest.json")]
                + arguments, input: input)
    }
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
    @Test("register and recover through the front-end; the guess limit destroys the key; a lost agent is taken over")
    func wholeStory() throws {
        let realm = try RunningRealm(size: 3, defaultLimit: 3)
        let registered = try realm.client("alice", ["register", "--id", "alice", "--password-stdin"], input: "correct horse\n")
        #expect(registered.status == 0, "\(registered.stderr)\n\(realm.logs)")
        let recovered = try realm.client("alice", ["recover", "--id", "alice", "--password-stdin"], input: "correct horse\n")
        #expect(recovered.status == 0, "\(recovered.stderr)\n\(realm.logs)")
        #expect(recovered.stdout.count >= 64)

        // Another account's token cannot spend alice's guesses: refused before any member is asked.
        let other = try realm.client("mallory", ["recover", "--id", "alice", "--password-stdin"], input: "guess\n")
        #expect(other.status != 0 && other.status != 10)

        // The leader's agent goes away: another member's agent takes over and serves.
        #expect(realm.agents[0]?.stop() == 0)
        realm.agents[0] = nil
        let afterTakeOver = try realm.client("alice", ["recover", "--id", "alice", "--password-stdin"], input: "correct horse\n")
        #expect(afterTakeOver.status == 0, "\(afterTakeOver.stderr)\n\(realm.logs)")
        #expect(afterTakeOver.stdout == recovered.stdout)

        // Wrong guesses: 2, then 1 remain, then the key is destroyed for good (limit 3), even for the
        // right password.
        let first = try realm.client("alice", ["recover", "--id", "alice", "--password-stdin"], input: "wrong\n")
        #expect(first.status == 10, "\(first.stderr)")
        let second = try realm.client("alice", ["recover", "--id", "alice", "--password-stdin"], input: "wrong\n")
        #expect(second.status == 10, "\(second.stderr)")
        let third = try realm.client("alice", ["recover", "--id", "alice", "--password-stdin"], input: "wrong\n")
        #expect(third.status == 11, "\(third.stderr)")
        let afterDestruction = try realm.client("alice", ["recover", "--id", "alice", "--password-stdin"], input: "correct horse\n")
        #expect(afterDestruction.status == 11, "\(afterDestruction.stderr)")
    }
}
