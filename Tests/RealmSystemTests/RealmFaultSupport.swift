// What the fault tests (RealmFaultTests.swift) need beside `RunningRealm`: clients run on threads of
// their own while processes are stopped, killed and restarted; what the client saw of a guess; the
// ledger of guesses sent against KE2s released; and the running processes' own views (an agent's
// status, the front-end's metrics, a member's UDP queue) to wait on instead of a clock.

import CofferEtcdCluster
import CofferProtocol
import CofferRealmAccess
import CofferTestSupport
import Foundation

/// A cofferctl run on a thread of its own, so that the test can act while it is under way.
final class BackgroundRun: @unchecked Sendable {
    typealias Outcome = (status: Int32, stdout: String, stderr: String)
    private let lock = NSLock()
    private var outcome: Result<Outcome, any Error>?
    private let done = DispatchSemaphore(value: 0)

    /// Starts `cofferctl arguments` with `input` on its stdin.
    init(_ arguments: [String], input: String?) {
        Thread { [self] in
            let result = Result { try cofferctl(arguments, input: input) }
            lock.withLock { outcome = result }
            done.signal()
        }.start()
    }

    var isFinished: Bool { lock.withLock { outcome != nil } }

    /// Waits for the run to end: its exit status, stdout and stderr.
    func wait() throws -> Outcome {
        done.wait()
        done.signal()
        return try lock.withLock { outcome! }.get()
    }
}

/// What one wrong guess (`cofferctl recover`) came to, as its client saw it.
enum GuessOutcome: Equatable, CustomStringConvertible {
    /// A KE2 came back, so the guess was counted: the attempts the member says remain after it (0: this
    /// guess destroyed the record).
    case released(remaining: Int)
    /// LoginStart refused: the record is destroyed. No KE2.
    case destroyed
    /// No KE2 reached the client (refused, timed out, connection lost): its exit status and message.
    case failed(Int32, String)

    init(_ run: BackgroundRun.Outcome) {
        switch run.status {
        case 10:
            let words = run.stderr.components(separatedBy: "wrong password: ").dropFirst().first ?? ""
            self = Int(words.prefix { $0.isNumber }).map { .released(remaining: $0) } ?? .failed(10, run.stderr)
        case 11 where run.stderr.contains("that was the last attempt"):
            self = .released(remaining: 0)
        case 11:
            self = .destroyed
        default:
            self = .failed(run.status, run.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// Whether a KE2 came back.
    var isReleased: Bool {
        if case .released = self { return true }
        return false
    }

    var description: String {
        switch self {
        case .released(let remaining): "KE2 (\(remaining) remaining)"
        case .destroyed: "destroyed"
        case .failed(let status, let message): "no KE2 (exit \(status): \(message))"
        }
    }
}

/// One account's wrong guesses while faults happen: LoginStarts sent (each run of `recover` sends at
/// most one) against KE2s released to the client.
struct GuessLedger {
    let account: String
    let limit: Int
    private(set) var sent = 0
    private(set) var released = 0
    /// Every outcome in order, for a failure's message.
    private(set) var outcomes: [GuessOutcome] = []

    init(account: String, limit: Int) {
        self.account = account
        self.limit = limit
    }

    mutating func note(_ outcome: GuessOutcome) {
        sent += 1
        if case .released = outcome { released += 1 }
        outcomes.append(outcome)
    }
}

extension RunningRealm {
    /// The arguments of a wrong guess at `ledger`'s account (its id is the account's name).
    func guessArguments(_ ledger: GuessLedger) throws -> [String] {
        try clientArguments(ledger.account, ["recover", "--id", ledger.account, "--password-stdin"])
    }

    /// One wrong guess, noted in `ledger`.
    @discardableResult
    func guess(_ ledger: inout GuessLedger) throws -> GuessOutcome {
        let outcome = GuessOutcome(try cofferctl(try guessArguments(ledger), input: "wrong\n"))
        ledger.note(outcome)
        return outcome
    }

    /// Starts a wrong guess and returns once it is under way at the front-end (`start`).
    func startGuess(_ ledger: GuessLedger) throws -> BackgroundRun {
        try start(try guessArguments(ledger), input: "wrong\n", ahead: 2)
    }

    /// Starts `cofferctl arguments` and returns once the request it sends after its first `ahead`
    /// (the GetInfos a recover or a register sends first) is in flight at the front-end, or the run
    /// is over. Only the aim of a fault depends on `ahead`, never what a test asserts.
    func start(_ arguments: [String], input: String, ahead: Int) throws -> BackgroundRun {
        let before = frontendCounts()?.answered ?? 0
        let run = BackgroundRun(arguments, input: input)
        try waitFor("a request under way at the front-end\n\(logs)") {
            if run.isFinished { return true }
            guard let counts = frontendCounts() else { return false }
            return counts.answered >= before + ahead && counts.inFlight >= 1
        }
        return run
    }

    /// Waits for a guess started by `startGuess` and notes it in `ledger`.
    @discardableResult
    func finish(_ run: BackgroundRun, in ledger: inout GuessLedger) throws -> GuessOutcome {
        let outcome = GuessOutcome(try run.wait())
        ledger.note(outcome)
        return outcome
    }

    /// The front-end's vault requests answered so far and in flight now (its /metrics), nil when it
    /// does not answer.
    func frontendCounts() -> (answered: Int, inFlight: Int)? {
        guard let body = httpGet(port: frontendPort, path: "/metrics") else { return nil }
        var answered = 0
        var inFlight = 0
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            let value = line.split(separator: " ").last.flatMap { Double($0) }.map { Int($0) } ?? 0
            if line.hasPrefix("coffer_frontend_requests_total{") { answered += value }
            if line.hasPrefix("coffer_frontend_requests_in_flight") { inFlight = value }
        }
        return (answered, inFlight)
    }

    /// Agent `id`'s /v1/status, nil when it does not answer.
    func agentStatus(_ id: Int) -> [String: Any]? {
        guard agents[id] != nil, let agentPort = try? port(in: workspace.file("agent\(id).ready")),
            let body = httpGet(port: agentPort, path: "/v1/status")
        else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
    }

    /// The member whose agent leads now, waiting until one says so.
    func leaderMember(seconds: Double = 30) throws -> Int {
        var found: Int?
        try waitFor("an agent that leads\n\(logs)", seconds: seconds) {
            found = agents.indices.first { agentStatus($0)?["leader"] as? Bool == true }
            return found != nil
        }
        return found!
    }

    /// Waits until agent `id` says its member is on the same tail as the leader's (caught up).
    func waitUntilCaughtUp(_ id: Int, seconds: Double = 30) throws {
        try waitFor("member \(id) on the leader's tail\n\(logs)", seconds: seconds) {
            let leader = try leaderMember()
            guard let mine = agentStatus(id)?["tail"] as? Int, let theirs = agentStatus(leader)?["tail"] as? Int
            else { return false }
            return mine == theirs
        }
    }

    /// Whether member `id`'s UDP socket holds a datagram it has not read (its agent is waiting on it).
    func memberHasUnreadRequest(_ id: Int) -> Bool {
        let hexPort = String(format: ":%04X", memberPorts[id])
        for table in ["/proc/net/udp", "/proc/net/udp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 4, fields[1].hasSuffix(hexPort) else { continue }
                let queues = fields[4].split(separator: ":")
                if queues.count == 2, let unread = Int(queues[1], radix: 16), unread > 0 { return true }
            }
        }
        return false
    }
}

/// SIGKILLs `process` (a crash: no cleanup, no goodbye) and waits until it is gone.
func crash(_ process: EmulatorProcess) {
    kill(process.process.processIdentifier, SIGKILL)
    process.process.waitUntilExit()
}

/// Sends `signal` (SIGSTOP, SIGCONT) to `process`.
func deliver(_ signal: Int32, to process: EmulatorProcess) {
    kill(process.process.processIdentifier, signal)
}

/// Polls `condition` every 20 ms until it holds, for at most `seconds`; throws naming `what` if it never does.
func waitFor(_ what: @autoclosure () -> String, seconds: Double = 60, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return }
        _ = poll(nil, 0, 20)
    }
    throw SystemFailure("not within \(seconds) s: \(what())")
}

/// The body of `GET path` from 127.0.0.1:`port` when it answers 200, else nil.
func httpGet(port: Int, path: String) -> String? {
    guard let answer = EtcdCluster.exchange(port: port, "GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
        answer.hasPrefix("HTTP/1.") && answer.split(separator: " ").dropFirst().first == "200",
        let start = answer.range(of: "\r\n\r\n")?.upperBound
    else { return nil }
    return String(answer[start...])
}

/// A wrong guess as one LoginStart POSTed straight to the front-end, with none of the GetInfos
/// cofferctl sends first: while the leader's member is stopped it is provably under way (in flight at
/// the front-end, and uncommitted, since only that member can commit it), so a fault lands inside it.
final class AimedGuess: @unchecked Sendable {
    private let lock = NSLock()
    private var outcome: GuessOutcome?
    private let done = DispatchSemaphore(value: 0)

    /// Sends the LoginStart of `account` (wrong password, fixed blind and nonces) on a thread of its own.
    init(realm: RunningRealm, account: String) throws {
        let realmID = stride(from: 0, to: realm.realmHex.count, by: 2).map { offset in
            let start = realm.realmHex.index(realm.realmHex.startIndex, offsetBy: offset)
            return UInt8(realm.realmHex[start..<realm.realmHex.index(start, offsetBy: 2)], radix: 16)!
        }
        let client = VaultTestClient(password: Array("wrong".utf8)) { _ in throw SystemFailure("builds requests only") }
        let request = try client.loginStart(AccountRecordID.derive(realmID: realmID, account: account))
        let body = [request.operation.rawValue] + request.encodedPayload()
        let tokenFile = String(try realm.token(account).dropFirst())
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let port = realm.frontendPort
        Thread { [self] in
            let result = Self.outcome(of: httpPost(port: port, path: "/v1/vault", token: token, body: body))
            lock.withLock { outcome = result }
            done.signal()
        }.start()
    }

    var isFinished: Bool { lock.withLock { outcome != nil } }

    func wait() -> GuessOutcome {
        done.wait()
        done.signal()
        return lock.withLock { outcome! }
    }

    /// What the client learns from the front-end's answer: a KE2 only in an ok LoginStart reply.
    static func outcome(of answer: (status: Int, body: [UInt8])?) -> GuessOutcome {
        guard let answer else { return .failed(0, "no HTTP answer") }
        guard answer.status == 200 else {
            return .failed(Int32(answer.status), String(decoding: answer.body, as: UTF8.self))
        }
        guard let reply = try? VaultReply(decoding: answer.body) else { return .failed(200, "not a vault reply") }
        switch reply.status {
        case .ok:
            guard let started = try? LoginStartResponse(decoding: reply.body) else { return .failed(200, "not a KE2") }
            return .released(remaining: Int(started.attemptsRemaining))
        case .recordDestroyed: return .destroyed
        default: return .failed(200, "\(reply.status)")
        }
    }
}

/// `POST path` with a bearer token and a binary body to 127.0.0.1:`port` over HTTP/1.0 (60 s at most
/// per socket step): the status and body, nil when the connection failed or broke before an answer.
func httpPost(port: Int, path: String, token: String, body: [UInt8]) -> (status: Int, body: [UInt8])? {
    let head = "POST \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer \(token)\r\n"
        + "Content-Type: application/octet-stream\r\nContent-Length: \(body.count)\r\n\r\n"
    guard let answer = EtcdCluster.exchange(port: port, bytes: Array(head.utf8) + body, secondsPerStep: 60) else {
        return nil
    }
    let separator: [UInt8] = [13, 10, 13, 10]
    guard let end = (0..<max(0, answer.count - 3)).first(where: { Array(answer[$0..<$0 + 4]) == separator }),
        let statusText = String(decoding: answer[..<end], as: UTF8.self).split(separator: " ").dropFirst().first,
        let status = Int(statusText)
    else { return nil }
    return (status, Array(answer[(end + 4)...]))
}
