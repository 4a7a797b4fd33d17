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
        if !ledger.released.isEmpty && command != .recover { fail("released a key without a recover") }
        var info = try client.info()
        if info.damagedCount != 0 { fail("\(info.damagedCount) damaged slot(s)") }
        switch command {
        case .initialize:
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
        case .zeroize:
            try expectAliceKey()
        case .initialize: break
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
        let forged = LoginFinishRequest(ke3: [UInt8](repeating: 0x42, count: 32), intent: .recover)
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
