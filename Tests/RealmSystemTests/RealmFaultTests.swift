// Process-level faults of a running realm (issue 13, "Faults"): the leader's member stopped and
// continued, agents, the front-end and an etcd member killed mid-request and started again, power
// cuts inside a member while it captures. After each story the guess limit is exact — the KE2s the
// client got never exceed the attempts the realm committed, which never exceed the LoginStarts sent,
// and the record is destroyed exactly when the committed attempts reach the limit — and every
// registration that `cofferctl register` acknowledged (exit 0) recovers its key.

import CofferTestSupport
import Foundation
import Testing

@Suite("A realm as processes under faults: stops, kills, restarts and power cuts", .serialized)
struct RealmFaultTests {
    @Test(
        "guesses while the leader's member is stopped, its agent, the front-end and an etcd member killed: KE2s released ≤ attempts committed ≤ LoginStarts sent, destroyed exactly at the limit",
        arguments: ["dir", "etcd"])
    func guessAccounting(store: String) async throws {
        try await onThread { try Self.guessAccounting(onEtcd: store == "etcd") }
    }

    /// On `dir:` only: the cuts are inside a member, whatever the store.
    @Test("a follower's power cut at each of its first durable writes while it catches up: the majority serves, the member comes back and votes, the limit stays exact")
    func powerCuts() async throws {
        try await onThread { try Self.powerCuts() }
    }

    /// On `dir:` only: its faults are the members' and agents', which etcd would not change.
    @Test("registrations while the leader's agent and member are killed and a follower is stopped: every acknowledged one recovers its key")
    func acknowledgedRegistrations() async throws {
        try await onThread { try Self.acknowledgedRegistrations(onEtcd: false) }
    }

    // MARK: - Guess accounting

    static func guessAccounting(onEtcd: Bool) throws {
        let realm = try RunningRealm(size: 3, defaultLimit: 10, onEtcd: onEtcd)
        var ledger = GuessLedger(account: "carol", limit: 10)
        try register(ledger.account, in: realm)

        // The leader's member stopped under a LoginStart, and continued.
        try aimedGuess(&ledger, in: realm) { _ in }

        // The leader's agent killed under a LoginStart and started again (once its member runs: an agent
        // starts by opening its member's link); the next guess races the take-over.
        let orphaned = try aimedGuess(&ledger, in: realm) { leader in crash(realm.agents[leader]!) }
        realm.agents[orphaned] = try realm.startAgent(orphaned)
        try realm.guess(&ledger)

        // The front-end killed under a LoginStart (which the realm still commits, its KE2 going nowhere)
        // and started again on a new port.
        try aimedGuess(&ledger, in: realm) { _ in
            crash(realm.frontend!)
            try realm.startFrontend()
        }
        try realm.guess(&ledger)

        if let etcd = realm.etcd {
            // etcd's leader killed under a LoginStart: the realm serves on the other two; it rejoins.
            var etcdLeader = 0
            try aimedGuess(&ledger, in: realm) { _ in
                try waitFor("an etcd leader") {
                    etcdLeader = etcd.leader() ?? -1
                    return etcdLeader >= 0
                }
                etcd.kill(member: etcdLeader)
            }
            try realm.waitUntilServing()
            try realm.guess(&ledger)
            try etcd.restart(member: etcdLeader)
        } else {
            // The leader's agent stopped (SIGSTOP) under a LoginStart: another agent takes over, and the
            // front-end, whose forward to the stopped one got no answer, asks discovery again rather
            // than keep sending to it; the stopped one is continued later, believing itself the leader
            // still, and must lose every append it tries to the new leader's entries.
            var stopped = -1
            try aimedGuess(&ledger, in: realm) { leader in
                stopped = leader
                deliver(SIGSTOP, to: realm.agents[leader]!)
            }
            try realm.waitUntilServing()
            try realm.guess(&ledger)
            deliver(SIGCONT, to: realm.agents[stopped]!)
            try realm.guess(&ledger)

            // The leader's member stopped past its agent's patience with it (5 s without an answer): the
            // agent gives up on its calls, then the member wakes up to answer them late.
            try aimedGuess(&ledger, in: realm) { leader in
                let agent = realm.agents[leader]!
                let before = agent.stderr.components(separatedBy: "member unreachable").count
                try waitFor("the agent giving up on its stopped member") {
                    agent.stderr.components(separatedBy: "member unreachable").count > before
                }
            }
        }
        try spendTheRest(of: &ledger, in: realm)
    }

    /// One wrong guess with a fault inside it: the leader's member is stopped, a LoginStart sent
    /// (`AimedGuess`), and once it is in flight at the front-end and the leader's agent waits on its
    /// stopped member — so it cannot have been committed — `fault` runs with the leader's id; then the
    /// member continues and what the guess came to is noted. The leader's id.
    @discardableResult
    static func aimedGuess(_ ledger: inout GuessLedger, in realm: RunningRealm, fault: (Int) throws -> Void) throws -> Int {
        try realm.waitUntilServing()
        let leader = try realm.leaderMember()
        let member = realm.members[leader]
        deliver(SIGSTOP, to: member)
        defer { deliver(SIGCONT, to: member) }
        let guess = try AimedGuess(realm: realm, account: ledger.account)
        try waitFor("a LoginStart in flight, the leader's agent waiting on its stopped member\n\(realm.logs)") {
            guess.isFinished || (realm.frontendCounts()?.inFlight ?? 0) >= 1 && realm.memberHasUnreadRequest(leader)
        }
        if guess.isFinished {
            try check(!guess.wait().isReleased, "a KE2 while the only member that can commit it was stopped")
        }
        try fault(leader)
        deliver(SIGCONT, to: member)
        ledger.note(guess.wait())
        return leader
    }

    /// On the realm at rest after the faults: wrong guesses one at a time until the record is gone.
    /// The first says how many attempts the faults committed (limit − 1 − remaining): at least the
    /// KE2s released, at most the LoginStarts sent. Each next one counts exactly one down, the one at
    /// 0 destroys the record, and afterwards neither a wrong nor the right password gets a KE2.
    static func spendTheRest(of ledger: inout GuessLedger, in realm: RunningRealm) throws {
        try realm.waitUntilServing()
        let faulted = ledger
        let first = try realm.guess(&ledger)
        var committed = ledger.limit
        if case .released(let remaining) = first {
            committed = ledger.limit - 1 - remaining
        } else {
            try check(first == .destroyed, "a guess on a realm at rest: \(first)\n\(realm.logs)")
        }
        print("faults: \(faulted.sent) LoginStarts sent, \(faulted.released) KE2s released, \(committed) attempts committed: \(faulted.outcomes)")
        try check(
            faulted.released <= committed && committed <= faulted.sent,
            "\(faulted.released) KE2s released, \(committed) committed, \(faulted.sent) sent: \(faulted.outcomes)")
        var remaining = ledger.limit - 1 - committed
        while remaining > 0 {
            let next = try realm.guess(&ledger)
            try check(next == .released(remaining: remaining - 1), "after \(remaining) remaining: \(next)\n\(realm.logs)")
            remaining -= 1
        }
        try check(ledger.released <= ledger.limit, "\(ledger.released) KE2s for a limit of \(ledger.limit)")
        let after = try realm.guess(&ledger)
        try check(after == .destroyed, "a guess past the limit: \(after)")
        let right = try realm.client(
            ledger.account, ["recover", "--id", ledger.account, "--password-stdin"], input: "correct horse\n")
        try check(GuessOutcome(right) == .destroyed, "the right password past the limit: \(right)")
    }

    // MARK: - Power cuts

    static func powerCuts() throws {
        let realm = try RunningRealm(size: 3, defaultLimit: 16, onEtcd: false)
        var ledger = GuessLedger(account: "dave", limit: 16)
        try register(ledger.account, in: realm)
        let leader = try realm.leaderMember()
        let follower = (leader + 1) % 3
        let other = (leader + 2) % 3
        for write in 1...3 {
            // Down: the majority serves without it and leaves it an entry to catch up on.
            realm.stopMember(follower)
            let served = try realm.guess(&ledger)
            try check(served.isReleased, "with member \(follower) down: \(served)\n\(realm.logs)")
            // Up with its power to go at write `write`: its agent feeds it the entries it missed, and
            // guesses give it more to capture, until the cut.
            (realm.members[follower], realm.memberPorts[follower]) = try realm.startMember(
                follower, extra: ["--crash-after-writes", "\(write)"])
            realm.agents[follower] = try realm.startAgent(follower)
            let member = realm.members[follower]
            var guesses = 0
            try waitFor("member \(follower) cut at write \(write)") {
                guard member.process.isRunning else { return true }
                try check(guesses < 4, "member \(follower) still up after \(guesses) guesses")
                let outcome = try realm.guess(&ledger)
                guesses += 1
                try check(outcome.isReleased, "while member \(follower) catches up: \(outcome)\n\(realm.logs)")
                return false
            }
            try check(member.waitForExit() == 86, "member \(follower) exit \(member.process.terminationStatus): \(member.stderr)")
            try check(member.stderr.contains("power cut before durable write \(write)"), member.stderr)
            crash(realm.agents[follower]!)
            realm.agents[follower] = nil
        }
        // Up for good: it catches up (capturing, or by a jump on a majority's statements when the cut
        // left it without its tail), and it votes: with the other follower down nothing commits without it.
        try realm.restartMember(follower)
        try realm.waitUntilCaughtUp(follower)
        realm.stopMember(other)
        try realm.waitUntilServing()
        let withIt = try realm.guess(&ledger)
        try check(withIt.isReleased, "served by members \(leader) and \(follower): \(withIt)\n\(realm.logs)")
        try realm.restartMember(other)
        try spendTheRest(of: &ledger, in: realm)
    }

    // MARK: - Acknowledged registrations

    static func acknowledgedRegistrations(onEtcd: Bool) throws {
        let realm = try RunningRealm(size: 3, defaultLimit: 5, onEtcd: onEtcd)
        var keys: [String: String] = [:]
        var attempted = 0
        func startRegistration() throws -> (String, BackgroundRun) {
            attempted += 1
            let account = "reg\(attempted)"
            let arguments = try realm.clientArguments(account, ["register", "--id", account, "--password-stdin"])
            return (account, try realm.start(arguments, input: "pass \(account)\n", ahead: 3))
        }
        func note(_ started: (String, BackgroundRun)) throws {
            let run = try started.1.wait()
            if run.status == 0 { keys[started.0] = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        }

        try note(try startRegistration())
        try check(keys.count == 1, "a registration on a realm at rest\n\(realm.logs)")

        // The leader's agent killed under a registration and started again; the next races the take-over.
        var leader = try realm.leaderMember()
        let orphaned = try startRegistration()
        crash(realm.agents[leader]!)
        realm.agents[leader] = try realm.startAgent(leader)
        try note(orphaned)
        try note(try startRegistration())

        // The leader's host lost under a registration: its member and agent killed. The others serve.
        try realm.waitUntilServing()
        leader = try realm.leaderMember()
        let lost = try startRegistration()
        crash(realm.members[leader])
        crash(realm.agents[leader]!)
        realm.agents[leader] = nil
        try note(lost)
        try realm.waitUntilServing()
        let served = try startRegistration()
        try note(served)
        try check(keys[served.0] != nil, "a registration on the majority left\n\(realm.logs)")

        // Back, and then a follower stopped under a registration and continued.
        try realm.restartMember(leader)
        try realm.waitUntilCaughtUp(leader)
        let follower = (try realm.leaderMember() + 1) % 3
        let paused = try startRegistration()
        deliver(SIGSTOP, to: realm.members[follower])
        try waitFor("the agent waiting on its stopped member") { realm.memberHasUnreadRequest(follower) }
        deliver(SIGCONT, to: realm.members[follower])
        try note(paused)

        // Every acknowledged registration recovers its key.
        try realm.waitUntilServing()
        print("registrations: \(keys.count) of \(attempted) acknowledged")
        for (account, key) in keys.sorted(by: { $0.key < $1.key }) {
            let recovered = try realm.client(account, ["recover", "--id", account, "--password-stdin"], input: "pass \(account)\n")
            try check(recovered.status == 0, "\(account): \(recovered.stderr)\n\(realm.logs)")
            try check(recovered.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == key, "\(account)'s key")
        }
    }

    // MARK: - Helpers

    /// Registers `account` (its id is its name) with the password "correct horse", on a realm at rest.
    static func register(_ account: String, in realm: RunningRealm) throws {
        let registered = try realm.client(account, ["register", "--id", account, "--password-stdin"], input: "correct horse\n")
        try check(registered.status == 0, "register \(account): \(registered.stderr)\n\(realm.logs)")
    }

    /// Runs `work` on a thread of its own, off Swift's cooperative pool (two threads here), which the
    /// suites beside it need while this one blocks on child processes; a failed check throws.
    func onThread(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
