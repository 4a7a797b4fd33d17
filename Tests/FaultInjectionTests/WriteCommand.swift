import CofferProtocol
import CofferTestSupport

/// The commands that make durable writes, each with the state it runs in (made by `prepare`) and
/// what it does (`run`). The sweep cuts the power at each of its writes in turn.
enum WriteCommand: String, CaseIterable, Sendable {
    /// Manufacture + Provision on a blank device (the emulator's `init`).
    case initialize
    /// RegisterStart + RegisterFinish of alice beside bob's record.
    case register
    /// The login right after registration that deposits alice's key.
    case deposit
    /// A right-password recover after two wrong guesses: LoginStart's counter write, then the re-base.
    case recover
    /// A wrong-password login: LoginStart's counter write; the client sends no KE3.
    case wrongPassword
    /// The wrong-password login that uses alice's last attempt and destroys the record.
    case lastAttempt
    /// The right password on alice's last attempt: the record is destroyed before KE2 leaves, and the
    /// login's own KE3 still recovers the key from the pending login.
    case lastAttemptRightPassword
    /// A login for an id with no record: the unknown-login counter write, then a fake KE2.
    case unknownLogin
    /// Carol registers on a full store (bob's record, alice's tombstone): the tombstone gives way.
    case registerOverTombstone
    /// Delete inside an authenticated session.
    case delete
    /// Whole-device self-destruct.
    case zeroize

    static let serial: UInt64 = 0xC0FF_EE00_0000_0001
    static let alice = Array("alice@example.org".utf8)
    static let bob = Array("bob@example.org".utf8)
    static let aliceKey = (0..<32).map { UInt8($0 &* 7 &+ 1) }
    static let bobKey = (0..<32).map { UInt8(255 - $0) }
    static let carol = Array("carol@example.org".utf8)
    static let carolKey = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ 3) }
    static let mallory = Array("mallory@example.org".utf8)
    static let wrongGuess = Array("not the password".utf8)
    /// Alice's slot: bob registers first and takes slot 0.
    static let aliceSlot = 1

    /// Alice's guess limit.
    var aliceLimit: UInt8 {
        switch self {
        case .lastAttempt, .lastAttemptRightPassword: 3
        case .registerOverTombstone: 2
        default: 5
        }
    }

    /// Wrong guesses alice has used when the command starts.
    var aliceUsedBefore: UInt32 {
        switch self {
        case .recover, .lastAttempt, .lastAttemptRightPassword, .registerOverTombstone: 2
        default: 0
        }
    }

    /// Whether alice has a record (and whether it holds her key) when the command starts.
    var aliceRegisteredBefore: Bool { self != .initialize && self != .register }
    var aliceKeyBefore: Bool { aliceRegisteredBefore && self != .deposit }
    /// Whether the command may release alice's key.
    var recovers: Bool { self == .recover || self == .lastAttemptRightPassword }

    /// Brings an operational device to the state the command runs in.
    func prepare(_ client: VaultTestClient) throws {
        guard self != .initialize else { return }
        try client.register(Self.bob, attemptLimit: 0)
        try expectDone(client.deposit(Self.bob, backupKey: Self.bobKey))
        guard aliceRegisteredBefore else { return }
        try client.register(Self.alice, attemptLimit: aliceLimit)
        if aliceKeyBefore { try expectDone(client.deposit(Self.alice, backupKey: Self.aliceKey)) }
        for _ in 0..<aliceUsedBefore { _ = try client.login(Self.alice, intent: .recover, password: Self.wrongGuess) }
    }

    /// Runs the command, writing down in `ledger` every answer that came back. Throws when the device
    /// stops answering (the power went).
    func run(_ client: VaultTestClient, _ ledger: Ledger) throws {
        switch self {
        case .initialize:
            let made = try client.manufacture(serial: Self.serial)
            guard made == .ok else { throw VaultRefusal(operation: .manufacture, status: made) }
            try ledger.expect(client.provision(defaultAttemptLimit: 10), .provision)
        case .register:
            try client.register(Self.alice, attemptLimit: aliceLimit)
            ledger.acknowledged = true
        case .deposit:
            try ledger.login(client, intent: .deposit, backupKey: Self.aliceKey, password: nil)
        case .recover, .lastAttemptRightPassword:
            try ledger.login(client, intent: .recover, backupKey: [], password: nil)
        case .unknownLogin:
            try ledger.login(client, Self.mallory, intent: .recover, backupKey: [], password: nil)
        case .registerOverTombstone:
            try client.register(Self.carol, attemptLimit: 0)
            ledger.acknowledged = true
        case .wrongPassword, .lastAttempt:
            try ledger.login(client, intent: .recover, backupKey: [], password: Self.wrongGuess)
        case .delete:
            try ledger.login(client, intent: .delete, backupKey: [], password: nil)
        case .zeroize:
            try ledger.expect(client.zeroize(serial: client.info().serial), .zeroize)
        }
    }

    private func expectDone(_ outcome: LoginOutcome) throws {
        guard outcome == .done else { throw SweepSetupFailed(what: "\(self) setup: \(outcome)") }
    }
}

/// What the client saw of one run: the answers the device gave before the power went.
final class Ledger {
    /// LoginStarts sent on alice's record, and those the device answered (with a KE2).
    var loginStartsSent = 0
    var loginStartsAnswered = 0
    /// The command's last step was answered ok.
    var acknowledged = false
    /// Keys the device released (recover replies that opened).
    var released: [[UInt8]] = []
    /// Statuses other than ok that came back.
    var refusals: [VaultStatus] = []

    /// The command's last step came back with `status`.
    func expect(_ status: VaultStatus, _ operation: VaultOperation) throws {
        guard status == .ok else { throw VaultRefusal(operation: operation, status: status) }
        acknowledged = true
    }

    /// A whole login on alice's record, counted step by step. Any error means the device went away.
    func login(
        _ client: VaultTestClient, _ id: [UInt8] = WriteCommand.alice, intent: LoginIntent, backupKey: [UInt8],
        password: [UInt8]?
    ) throws {
        let onAlice = id == WriteCommand.alice
        if onAlice { loginStartsSent += 1 }
        let outcome = try client.login(
            id, intent: intent, backupKey: backupKey, password: password,
            onLoginStartAnswered: { if onAlice { self.loginStartsAnswered += 1 } })
        switch outcome {
        case .recovered(let key):
            released.append(key)
            acknowledged = true
        case .done, .wrongPassword: acknowledged = true
        case .refused(let status): refusals.append(status)
        case .replyNotAuthenticated: refusals.append(.requestNotAuthenticated)
        }
    }
}

struct SweepSetupFailed: Error, CustomStringConvertible {
    let what: String
    var description: String { what }
}
