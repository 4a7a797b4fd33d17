// Random operation sequences against the firmware and the reference model at once: register, login
// with the right or a wrong password (recover, deposit, delete), logins abandoned after KE2,
// restarts, and power cuts before and after each durable write. After every step the device's
// slots and counters must equal the model's (after a cut: one of the states the cut could leave),
// every released key must be the deposited one, and since a record's last success the KE2s it gave
// out must never exceed its limit.

import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import OPAQUE
import Testing

@testable import CofferFirmware

private let slotCount = 4
private let defaultLimit: UInt8 = 3
private let ids: [[UInt8]] = (1...6).map { [UInt8($0)] }
private let wrongPassword = Array("wrong".utf8)
private func password(_ id: [UInt8]) -> [UInt8] { Array("password".utf8) + id }

/// What happened across a run, so the test can insist that the interesting paths were taken.
struct ModelRunTally {
    var operations = 0
    var cuts = 0
    var destroyed = 0
    var recovered = 0
}

final class ModelRun {
    let memories: ChipMemories
    var vault: TestVault
    let client: TestClient
    let random: SeededEntropy
    var model = ModelDevice(slotCount: slotCount, defaultLimit: defaultLimit)
    /// KE2s each id's current record gave out since its last success (or registration).
    var loginsSinceSuccess: [[UInt8]: Int] = [:]
    var tally = ModelRunTally()

    init(seed: UInt64) throws {
        memories = ChipMemories(slots: slotCount, seed: seed)
        vault = try operationalVault(memories, defaultLimit: defaultLimit)
        client = TestClient(seed: seed &+ 77)
        random = SeededEntropy(seed: seed)
    }

    private func pick(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

    /// What one operation may leave: `candidates` (without a cut only the last counts), and the
    /// state in which `id`'s record has just succeeded or been registered (its login count restarts).
    struct Effect {
        var candidates: [ModelDevice]
        var id: [UInt8]
        var fresh: ModelDevice? = nil
    }

    func step() throws {
        tally.operations += 1
        let choice = pick(100)
        if choice >= 95 {
            vault = try memories.boot()
            try #require(try observe() == model, "restart changed the device")
            return
        }
        // One operation in six runs with power failing after 0...8 durable writes: before the first,
        // between any two, or after the last write of the longest operation (a last-attempt login
        // that succeeds: counter, tombstone, scrub, then erase, program, counter of the re-base).
        if pick(6) == 0 { memories.power.cut(afterWrites: pick(9)) }
        let id = ids[pick(ids.count)]
        let effect: Effect
        switch choice {
        case 0..<20: effect = try register(id, limit: UInt8(pick(5)))
        case 20..<40: effect = try login(id, password: password(id), intent: .recover)
        case 40..<50: effect = try login(id, password: password(id), intent: .deposit)
        case 50..<55: effect = try login(id, password: password(id), intent: .delete)
        case 55..<85: effect = try login(id, password: wrongPassword, intent: .recover)
        default: effect = try abandonedLogin(id, password: pick(2) == 0 ? password(id) : wrongPassword)
        }
        try settle(effect.candidates)
        if let fresh = effect.fresh, model == fresh { loginsSinceSuccess[effect.id] = 0 }
        try checkGuessLimit()
    }

    /// After an operation: without a cut the device must equal the model's one outcome; after a cut
    /// the device restarts and must equal one of the outcomes the cut allows.
    private func settle(_ candidates: [ModelDevice]) throws {
        if memories.power.isCut {
            tally.cuts += 1
            vault = try memories.boot()
            let observed = try observe()
            try #require(candidates.contains(observed), "power cut left a state the model does not allow")
            model = observed
        } else {
            memories.power.restore()
            let expected = try #require(candidates.last)
            try #require(try observe() == expected, "device and model disagree")
            model = expected
        }
    }

    private func register(_ id: [UInt8], limit: UInt8) throws -> Effect {
        var after = model
        let expected = after.register(id, limit: limit)
        let reply = try client.register(vault, id: id, password: password(id), limit: limit)
        if !memories.power.isCut { #expect(reply.status == expected) }
        return Effect(candidates: [model, after], id: id, fresh: expected == .ok ? after : nil)
    }

    private func login(_ id: [UInt8], password: [UInt8], intent: LoginIntent) throws -> Effect {
        var afterStart = model
        let start = afterStart.start(id)
        let key = random.randomBytes(32)
        let (reply, state) = try client.start(vault, id: id, password: password, channel: 1)
        countKE2(reply, start: start, id: id)
        let outcome = try client.finish(vault, started: reply, state: state, id: id, intent: intent, backupKey: key)
        var effect = Effect(candidates: [model, afterStart], id: id)
        var expected: LoginOutcome
        switch start {
        case .destroyed: expected = .refused(.recordDestroyed)
        case .unknown(let remaining): expected = .wrongPassword(attemptsRemaining: remaining)
        case .record(let slot, let record, let remaining, let held):
            expected = .wrongPassword(attemptsRemaining: remaining)
            if password != wrongPassword {
                var afterFinish = afterStart
                expected = afterFinish.finish(slot: slot, record: record, intent: intent, newKey: key)
                effect.candidates.append(afterFinish)
                effect.fresh = afterFinish
            } else if held {
                tally.destroyed += 1
            }
            // Whatever the power did, a released key is the deposited one, and only to its password.
            if case .recovered(let released) = outcome { #expect(password != wrongPassword && released == record.key) }
        }
        if case .recovered = outcome { tally.recovered += 1 }
        if !memories.power.isCut {
            #expect(outcome == expected)
        } else if reply.status == .ok {
            effect.candidates.removeFirst()  // KE2 left the chip: its attempt must be durable
        }
        return effect
    }

    private func abandonedLogin(_ id: [UInt8], password: [UInt8]) throws -> Effect {
        var afterStart = model
        let start = afterStart.start(id)
        let (reply, _) = try client.start(vault, id: id, password: password, channel: 2 + UInt32(pick(3)))
        countKE2(reply, start: start, id: id)
        if !memories.power.isCut {
            switch start {
            case .destroyed: #expect(reply.status == .recordDestroyed)
            case .unknown(let remaining), .record(_, _, let remaining, _):
                #expect(reply.status == .ok)
                #expect(try LoginStartResponse(decoding: reply.body).attemptsRemaining == remaining)
            }
        }
        if case .record(_, _, _, true) = start { tally.destroyed += 1 }
        let candidates = memories.power.isCut && reply.status == .ok ? [afterStart] : [model, afterStart]
        return Effect(candidates: candidates, id: id)
    }

    private func countKE2(_ reply: VaultReply, start: ModelStart, id: [UInt8]) {
        guard reply.status == .ok, case .record = start else { return }
        loginsSinceSuccess[id, default: 0] += 1
    }

    /// Since a record's last success (or its registration), its KE2s never exceed its limit.
    private func checkGuessLimit() throws {
        for (id, count) in loginsSinceSuccess {
            guard let record = model.record(id) else { continue }
            try #require(count <= Int(record.limit), "record \(id) gave \(count) KE2s over limit \(record.limit)")
        }
    }

    /// The device's slots and counters, read through the firmware's own store.
    private func observe() throws -> ModelDevice {
        guard case .operational(let identity, _) = vault.state else {
            throw UnexpectedStatus(status: .storeUnavailable)
        }
        let store = identity.store
        var device = ModelDevice(slotCount: slotCount, defaultLimit: defaultLimit)
        for slot in 0..<slotCount {
            switch try store.load(slot) {
            case .empty: device.slots[slot].content = .empty
            case .tombstone(let id): device.slots[slot].content = .tombstone(id)
            case .record(let record):
                device.slots[slot].content = .record(
                    ModelRecord(
                        id: record.credentialID, limit: record.attemptLimit, base: record.attemptBase,
                        key: record.backupKey?.bytes))
            }
            device.slots[slot].attempts = try memories.counters.read(store.counterLayout.attempts(slot))
        }
        device.unknownLogins = try memories.counters.read(CounterLayout.unknownLogins)
        return device
    }
}

@Test(arguments: 0..<10 as Range<UInt64>)
func randomOperationsMatchTheReferenceModel(seed: UInt64) throws {
    let run = try ModelRun(seed: seed)
    for _ in 0..<1_000 { try run.step() }
    #expect(run.tally.operations == 1_000)
    #expect(run.tally.cuts > 0)
    #expect(run.tally.destroyed > 0)
    #expect(run.tally.recovered > 0)
}
