// The model-based test's clients are honest; this one puts a hostile relay between them and the
// device. The relay records every request and reply, and at any step drops, rewrites or delays an
// honest message, replays any recorded request (alone, as a registration pair, on its own channel
// or an honest one), forges KE3s, guesses passwords of its own, and power-cycles the device. After
// every exchange two invariants must hold:
//
//   1. per record (its OPAQUE record and the registration nonce that names its OPRF key), the KE2s
//      it gave out since its last success (or its registration) never exceed its limit;
//   2. a LoginFinish is answered ok only if it is, byte for byte, the one an honest client made for
//      the login pending on its channel (so a key is released, a deposit kept or a record deleted
//      only for someone who proved the password, and never for a replayed or changed request), and a
//      key an honest client recovers is the one it deposited.
//
// Reverting the one-time registration (a RegisterFinish accepted without its RegisterStart, one
// OPRF key per id) makes invariant 1 fail: the relay's replayed record brings back a record whose
// KE2s keep counting past its limit.

import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import Foundation
import OPAQUE
import Testing

@testable import CofferFirmware

private let ids: [[UInt8]] = ["ann", "bob", "cy"].map { Array($0.utf8) }
private func password(_ id: [UInt8]) -> [UInt8] { Array("pw-".utf8) + id }
private func backupKey(_ id: [UInt8]) -> [UInt8] { [UInt8](repeating: id[0], count: 32) }
private let attackerChannel: UInt32 = 0xA77A
private func honestChannel(_ id: [UInt8]) -> UInt32 { 0x100 + UInt32(id[0]) }

/// The relay dropped the message: the client hears nothing.
private struct Dropped: Error {}

/// What a record is, whatever its counters: the OPAQUE record stored and the nonce naming its key.
private struct RecordIdentity: Hashable {
    let registrationRecord: [UInt8]
    let nonce: [UInt8]
}

/// A hostile relay in front of an in-memory device, and the bookkeeping of the two invariants.
private final class HostileRelay: VaultLink {
    let memories: ChipMemories
    var vault: TestVault
    let random: SeededEntropy
    /// Every request the relay has seen, with its channel.
    var recorded: [(request: VaultRequest, channel: UInt32)] = []
    /// KE2s per record since its last success.
    var ke2s: [RecordIdentity: Int] = [:]
    /// The id whose login is pending on each channel (as the device's last ok LoginStart there said).
    var pendingID: [UInt32: [UInt8]] = [:]
    /// The LoginFinish an honest client made for the login pending on its channel.
    var honestFinish: [UInt32: VaultRequest] = [:]
    /// Ids whose current record took an honest deposit (as the device's answers show).
    var deposited: Set<[UInt8]> = []
    var violations: [String] = []
    var stats = (replays: 0, rewrites: 0, drops: 0, guesses: 0, destroyed: 0, recovered: 0, restarts: 0)

    init(seed: UInt64) throws {
        memories = ChipMemories(slots: 4, seed: seed)
        vault = try operationalVault(memories, defaultLimit: 3)
        random = SeededEntropy(seed: seed ^ 0x5EED_0F_A77A)
    }

    func pick(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

    /// An honest client's request, through the relay: dropped, changed, or delivered.
    func exchange(_ request: VaultRequest, channel: UInt32) throws -> VaultReply {
        if case .loginFinish = request { honestFinish[channel] = request }
        switch pick(20) {
        case 0:
            stats.drops += 1
            recorded.append((request, channel))
            throw Dropped()
        case 1:
            guard let changed = rewritten(request) else { return deliver(request, channel: channel) }
            stats.rewrites += 1
            return deliver(changed, channel: channel)
        default:
            return deliver(request, channel: channel)
        }
    }

    /// One byte of the request's body flipped, when the result still decodes.
    func rewritten(_ request: VaultRequest) -> VaultRequest? {
        var payload = request.encodedPayload()
        guard payload.count > 1 else { return nil }
        payload[1 + pick(payload.count - 1)] ^= UInt8(1 << pick(8))
        return try? VaultRequest(command: request.operation.rawValue, payload: payload)
    }

    /// Hands `request` to the device and checks the invariants on what it did.
    @discardableResult
    func deliver(_ request: VaultRequest, channel: UInt32) -> VaultReply {
        recorded.append((request, channel))
        var before: (identity: RecordIdentity, limit: UInt8)?
        if case .loginStart(let start) = request { before = record(of: start.credentialID) }
        let reply = vault.handle(request, channel: channel)
        switch request {
        case .loginStart(let start):
            pendingID[channel] = reply.status == .ok ? start.credentialID : nil
            guard reply.status == .ok, let before else { break }
            ke2s[before.identity, default: 0] += 1
            if ke2s[before.identity]! > Int(before.limit) {
                violations.append("record of \(start.credentialID) gave \(ke2s[before.identity]!) KE2s, limit \(before.limit)")
            }
            if record(of: start.credentialID) == nil { stats.destroyed += 1 }
        case .registerFinish(let finish):
            if reply.status == .ok { deposited.remove(finish.credentialID) }
        case .loginFinish(let finish):
            if reply.status == .ok, let id = pendingID[channel] {
                if finish.intent == .deposit { deposited.insert(id) }
                if finish.intent == .delete { deposited.remove(id) }
            }
            let verified: Set<VaultStatus> = [.ok, .requestNotAuthenticated, .keyAlreadyDeposited, .noKeyDeposited,
                                              .sealedKeyRejected]
            if verified.contains(reply.status), let id = pendingID[channel], let now = record(of: id) {
                ke2s[now.identity] = 0  // a KE3 verified: the record was re-based
            }
            if reply.status == .ok, honestFinish[channel] != request {
                violations.append("LoginFinish on channel \(channel) answered ok, but no honest client made it for that login")
            }
            pendingID[channel] = nil
        default:
            break
        }
        return reply
    }

    /// The live record of `id` on the device, read the way the firmware reads it.
    func record(of id: [UInt8]) -> (identity: RecordIdentity, limit: UInt8)? {
        guard let (identity, _) = try? vault.operationalStore(), let slot = identity.store.slot(of: id),
            case .record(let record)? = try? identity.store.load(slot)
        else { return nil }
        return (RecordIdentity(registrationRecord: record.registrationRecord, nonce: record.registrationNonce),
                record.attemptLimit)
    }

    /// One move of the attacker's.
    func attack(_ guesser: TestClient) throws {
        switch pick(10) {
        case 0..<3:
            // A guess of its own on some id.
            stats.guesses += 1
            let (request, _) = try guesser.startRequest(id: ids[pick(ids.count)], password: Array("guess".utf8))
            deliver(request, channel: attackerChannel)
        case 3:
            let finish = LoginFinishRequest(
                ke3: random.randomBytes(32), intent: LoginIntent(rawValue: UInt8(1 + pick(3)))!,
                binding: random.randomBytes(SessionBinding.tagLength))
            deliver(.loginFinish(finish), channel: pick(2) == 0 ? attackerChannel : honestChannel(ids[pick(ids.count)]))
        case 4..<7:
            // Replay any recorded request, on its channel, the attacker's or another honest one.
            guard !recorded.isEmpty else { return }
            stats.replays += 1
            let (request, channel) = recorded[pick(recorded.count)]
            let channels = [channel, attackerChannel, honestChannel(ids[pick(ids.count)])]
            deliver(request, channel: channels[pick(channels.count)])
        case 7..<9:
            // Replay a whole registration: a recorded RegisterStart and the RegisterFinish after it.
            let starts = recorded.indices.filter { if case .registerStart = recorded[$0].request { true } else { false } }
            guard let at = starts.isEmpty ? nil : starts[pick(starts.count)],
                let finish = recorded[at...].first(where: {
                    if case .registerFinish = $0.request { true } else { false }
                })
            else { return }
            stats.replays += 1
            deliver(recorded[at].request, channel: attackerChannel)
            deliver(finish.request, channel: attackerChannel)
        default:
            // Rewrite a recorded request and send it.
            guard !recorded.isEmpty, let changed = rewritten(recorded[pick(recorded.count)].request) else { return }
            stats.rewrites += 1
            deliver(changed, channel: pick(2) == 0 ? attackerChannel : honestChannel(ids[pick(ids.count)]))
        }
    }

    func restart() throws {
        stats.restarts += 1
        vault = try memories.boot()
        pendingID = [:]
        honestFinish = [:]
    }
}

extension TestClient {
    /// A LoginStart request and the state that opens its KE2.
    func startRequest(id: [UInt8], password: [UInt8]) throws -> (VaultRequest, ClientLoginState<P256SHA256Suite>) {
        let (ke1, state) = try client.generateKE1(
            password: SecretBytes(password), blind: SecretBytes([UInt8](repeating: 0, count: 31) + [3]),
            clientNonce: random.randomBytes(32), clientKeyshareSeed: SecretBytes(random.randomBytes(32)))
        return (.loginStart(LoginStartRequest(credentialID: id, ke1: ke1.serialize())), state)
    }
}

/// One seed's run: honest owners register, deposit, recover, mistype and delete through the relay,
/// and the attacker moves between their steps.
private func runHostileRelay(seed: UInt64, steps: Int) throws -> HostileRelay {
    let relay = try HostileRelay(seed: seed)
    let owner = TestClient(seed: seed &+ 1)
    let guesser = TestClient(seed: seed &+ 2)
    for _ in 0..<steps {
        if relay.pick(25) == 0 { try relay.restart() }
        if relay.pick(2) == 0 { try relay.attack(guesser) }
        let id = ids[relay.pick(ids.count)]
        let channel = honestChannel(id)
        do {
            if relay.record(of: id) == nil {
                _ = try owner.register(relay, id: id, password: password(id), limit: UInt8(1 + relay.pick(4)))
                _ = try owner.login(relay, id: id, password: password(id), intent: .deposit, backupKey: backupKey(id),
                                    channel: channel)
                continue
            }
            switch relay.pick(10) {
            case 0..<6:
                let outcome = try owner.login(relay, id: id, password: password(id), intent: .recover, channel: channel)
                if case .recovered(let key) = outcome {
                    relay.stats.recovered += 1
                    if key != backupKey(id) { relay.violations.append("\(id) recovered another key") }
                    if !relay.deposited.contains(id) { relay.violations.append("\(id) recovered a key never deposited") }
                }
            case 6..<9:
                _ = try owner.login(relay, id: id, password: Array("typo".utf8), intent: .recover, channel: channel)
            default:
                _ = try owner.login(relay, id: id, password: password(id), intent: .delete, channel: channel)
            }
        } catch is Dropped {
            continue
        } catch {
            // A changed answer the client could not use (a KE2 that does not open, a seal that does
            // not open): it gives up, as a real client does.
            continue
        }
    }
    return relay
}

@Suite struct HostileRelayModelTests {
    /// Seeds per test case; `COFFER_HOSTILE_SEEDS` raises it for a longer soak.
    static let seedsPerCase = Int(ProcessInfo.processInfo.environment["COFFER_HOSTILE_SEEDS"] ?? "") ?? 125

    @Test(arguments: 0..<8)
    func theGuessLimitAndKeyReleaseHoldAgainstAHostileRelay(batch: Int) throws {
        var totals = (replays: 0, rewrites: 0, drops: 0, guesses: 0, destroyed: 0, recovered: 0, restarts: 0)
        for index in 0..<Self.seedsPerCase {
            let seed = UInt64(batch * 1_000_000 + index)
            let relay = try runHostileRelay(seed: seed, steps: 40)
            try #require(relay.violations.isEmpty, "seed \(seed): \(relay.violations)")
            totals.replays += relay.stats.replays
            totals.rewrites += relay.stats.rewrites
            totals.drops += relay.stats.drops
            totals.guesses += relay.stats.guesses
            totals.destroyed += relay.stats.destroyed
            totals.recovered += relay.stats.recovered
            totals.restarts += relay.stats.restarts
        }
        // The run took the paths that matter.
        #expect(totals.replays > 0 && totals.rewrites > 0 && totals.drops > 0 && totals.guesses > 0)
        #expect(totals.destroyed > 0, "no record was ever destroyed")
        #expect(totals.recovered > 0, "no key was ever recovered")
        print("hostile relay batch \(batch): \(Self.seedsPerCase) seeds, \(totals)")
    }
}
