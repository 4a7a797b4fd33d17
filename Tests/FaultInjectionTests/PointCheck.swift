import CofferProtocol
import CofferTestSupport

/// The properties every power-cut point must keep, checked on the restarted device. Each returns
/// the violations it found (empty: the point is clean).
struct PointCheck {
    let command: WriteCommand
    let run: PointRun
    let client: VaultTestClient
    private(set) var violations: [String] = []

    /// Checks `run`; the violations.
    static func violations(_ command: WriteCommand, _ run: PointRun) -> [String] {
        guard let client = run.restarted else { return run.problems + ["the device did not restart"] }
        var check = PointCheck(command: command, run: run, client: client)
        check.violations = run.problems
        do {
            try check.checkAll()
        } catch {
            check.violations.append("the restarted device failed a check request: \(error)")
        }
        return check.violations
    }

    private mutating func fail(_ what: String) { violations.append(what) }

    private mutating func checkAll() throws {
        let ledger = run.ledger
        if ledger.released.contains(where: { $0 != WriteCommand.aliceKey }) { fail("released a key not alice's") }
        if !ledger.released.isEmpty && !command.recovers { fail("released a key without a recover") }
        var info = try client.info()
        if info.damagedCount != 0 { fail("\(info.damagedCount) damaged slot(s)") }
        switch command {
        case .initialize:
            if (ledger.acknowledged || run.restartFinishesInit) && info.lifecycle != .operational {
                fail("init acknowledged or finished by the restart, yet lifecycle \(info.lifecycle)")
            }
            try client.expectOperational()
            try checkFreshEnrolment()
            return
        case .zeroize where info.lifecycle == .zeroized:
            if info.recordCount != 0 || info.tombstoneCount != 0 { fail("zeroized device still lists records") }
            let login = try client.login(WriteCommand.bob, intent: .recover)
            if login != .refused(.notAllowedInState) { fail("zeroized device answered a login: \(login)") }
            return
        case .zeroize where ledger.acknowledged:
            fail("acknowledged zeroize undone: lifecycle \(info.lifecycle)")
        default: break
        }
        guard info.lifecycle == .operational else { return fail("lifecycle \(info.lifecycle) after the restart") }
        let bob = try client.recover(WriteCommand.bob)
        if bob != .recovered(WriteCommand.bobKey) { fail("bob's key does not recover bit-exact: \(bob)") }
        let attempts = try client.counters().slots[WriteCommand.aliceSlot].attempts
        if let before = run.before.aliceAttempts {
            let answered = UInt32(ledger.loginStartsAnswered)
            if attempts < before + answered { fail("guess uncounted: \(attempts) < \(before) + \(answered)") }
            if attempts > before + UInt32(ledger.loginStartsSent) { fail("guess counted twice: \(attempts)") }
        }
        try checkAlice(attempts: attempts)
        info = try client.info()
        if info.damagedCount != 0 { fail("\(info.damagedCount) damaged slot(s) after the checks") }
        try checkForgedKE3()
    }

    /// Alice's record is whole or absent as the command allows, and her key recovers bit-exact.
    private mutating func checkAlice(attempts: UInt32) throws {
        let ledger = run.ledger
        switch command {
        case .register:
            let deposit = try client.deposit(WriteCommand.alice, backupKey: WriteCommand.aliceKey)
            if deposit == .done {
                try expectAliceKey()
            } else if case .wrongPassword = deposit, !ledger.acknowledged {
                try client.register(WriteCommand.alice, attemptLimit: command.aliceLimit)
            } else {
                fail("registration half-written or acknowledged and lost: deposit \(deposit)")
            }
        case .deposit:
            let recovered = try client.recover(WriteCommand.alice)
            if recovered == .refused(.noKeyDeposited) && !ledger.acknowledged { return }
            if recovered != .recovered(WriteCommand.aliceKey) { fail("deposit lost or garbled: \(recovered)") }
        case .recover, .wrongPassword:
            try checkWithinLimit(attempts: attempts)
            try expectAliceKey()
        case .lastAttemptRightPassword:
            try checkLastChanceSuccess(attempts: attempts)
        case .lastAttempt:
            let base = (run.before.aliceAttempts ?? 0) - command.aliceUsedBefore
            if attempts - base >= UInt32(command.aliceLimit) {
                let login = try client.login(WriteCommand.alice, intent: .recover)
                if login != .refused(.recordDestroyed) { fail("limit reached but the record answers: \(login)") }
                if try client.info().tombstoneCount != 1 { fail("limit reached but no tombstone") }
            } else {
                try expectAliceKey()
            }
        case .delete:
            let recovered = try client.recover(WriteCommand.alice)
            if case .wrongPassword = recovered { return }
            if ledger.acknowledged { fail("acknowledged delete undone: \(recovered)") }
            if recovered != .recovered(WriteCommand.aliceKey) { fail("record half-deleted: \(recovered)") }
        case .zeroize, .unknownLogin:
            try expectAliceKey()
        case .registerOverTombstone:
            try checkTombstoneGivingWay()
        case .initialize: break
        }
    }

    /// The right password on the last attempt: the record was destroyed before KE2 left, and the
    /// login's valid KE3 re-based it back. After a cut it is destroyed, or alive and re-based, or (cut
    /// before the counter write) alive with its last attempt still to use; never alive past its limit
    /// without the re-base, and never destroyed once the recover was acknowledged.
    private mutating func checkLastChanceSuccess(attempts: UInt32) throws {
        let base = (run.before.aliceAttempts ?? 0) - command.aliceUsedBefore
        let limit = UInt32(command.aliceLimit)
        let reached = attempts - base >= limit
        let (request, state) = try client.loginStartRequest(WriteCommand.alice)
        let start = try client.send(request)
        switch start.status {
        case .recordDestroyed:
            if run.ledger.acknowledged { fail("destroyed after an acknowledged last-chance recover") }
            if !reached { fail("destroyed before its limit: \(attempts - base) of \(limit)") }
        case .ok:
            let remaining = UInt32(try LoginStartResponse(decoding: start.body).attemptsRemaining)
            let expected = reached ? limit - 1 : limit - (attempts + 1 - base)
            if remaining != expected { fail("alive with \(remaining) attempts left, expected \(expected)") }
            let outcome = try client.finishLogin(WriteCommand.alice, started: start, state: state, intent: .recover)
            if outcome != .recovered(WriteCommand.aliceKey) { fail("last-chance key not recovered: \(outcome)") }
        default:
            fail("last-chance record answers \(start.status)")
        }
    }

    /// Carol's registration is whole or absent; alice's tombstone is there exactly when carol is not.
    private mutating func checkTombstoneGivingWay() throws {
        let deposit = try client.deposit(WriteCommand.carol, backupKey: WriteCommand.carolKey)
        let alice = try client.login(WriteCommand.alice, intent: .recover)
        if deposit == .done {
            let recovered = try client.recover(WriteCommand.carol)
            if recovered != .recovered(WriteCommand.carolKey) { fail("carol's key not recovered: \(recovered)") }
            if case .wrongPassword = alice {} else { fail("alice's tombstone outlived carol's record: \(alice)") }
        } else if case .wrongPassword = deposit, !run.ledger.acknowledged {
            if alice != .refused(.recordDestroyed) { fail("alice's tombstone gone without carol: \(alice)") }
            try client.register(WriteCommand.carol, attemptLimit: 0)
        } else {
            fail("carol's registration half-written or acknowledged and lost: deposit \(deposit)")
        }
    }

    /// A record alive after the restart has used fewer attempts than its limit since its last success.
    private mutating func checkWithinLimit(attempts: UInt32) throws {
        let base = (run.before.aliceAttempts ?? 0) - command.aliceUsedBefore
        if attempts - base >= UInt32(command.aliceLimit) { fail("attempts above the limit: \(attempts - base)") }
    }

    private mutating func expectAliceKey() throws {
        let recovered = try client.recover(WriteCommand.alice)
        if recovered != .recovered(WriteCommand.aliceKey) { fail("alice's key not recovered bit-exact: \(recovered)") }
    }

    /// A made-up KE3 after a wrong-password LoginStart releases nothing.
    private mutating func checkForgedKE3() throws {
        let start = try client.send(client.loginStart(WriteCommand.alice, password: WriteCommand.wrongGuess))
        guard start.status == .ok else { return }
        let forged = LoginFinishRequest(
            ke3: [UInt8](repeating: 0x42, count: 32), intent: .recover,
            binding: [UInt8](repeating: 0x42, count: SessionBinding.tagLength))
        let finish = try client.send(.loginFinish(forged))
        if finish.status == .ok { fail("a forged KE3 released a key") }
    }

    /// After init (cut or not) the device enrols, deposits and recovers.
    private mutating func checkFreshEnrolment() throws {
        try client.register(WriteCommand.alice, attemptLimit: 0)
        let deposit = try client.deposit(WriteCommand.alice, backupKey: WriteCommand.aliceKey)
        if deposit != .done { fail("deposit after init: \(deposit)") }
        try expectAliceKey()
    }
}
