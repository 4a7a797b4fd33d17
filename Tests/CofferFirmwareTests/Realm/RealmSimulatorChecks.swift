// The simulator's clients and its checker. Clients are real OPAQUE clients (Identity KSF): owners
// register, deposit and recover; guessers send LoginStarts with wrong passwords. The checker knows the
// realm's OPRF seed and sealing key, so it counts what an attacker really got (evaluations under a
// record's key, recognised as Z = k·B on the wire) and reads committed leaves itself.

import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import OPAQUE

@testable import CofferFirmware

/// One simulated client: an owner of `id` (right password) or a guesser at it.
struct SimClient {
    enum Phase {
        case unregistered
        case registering(ClientRegistrationState<P256SHA256Suite>)
        case registered
        case loggingIn(ClientLoginState<P256SHA256Suite>, LoginIntent)
        case finishing(LoginIntent, ClientLoginResult<P256SHA256Suite>)
    }

    let index: Int
    let id: [UInt8]
    let password: [UInt8]
    let owner: Bool
    let random: SeededEntropy
    let opaque = OPAQUEClient(suite: testSuite, context: VaultOPAQUE.context)
    var phase: Phase
    var waiting = false
    /// The agent a LoginFinish must go to (where its LoginStart was answered).
    var sticky: Int?
    /// The blinded element of the request in flight, for the checker.
    var blinded: [UInt8] = []
    var lastSent: VaultOperation?
    var depositedKey: [UInt8]?
    var recovered = 0
    var deleted = 0

    init(index: Int, id: [UInt8], password: [UInt8], owner: Bool, seed: UInt64) {
        self.index = index
        self.id = id
        self.password = password
        self.owner = owner
        random = SeededEntropy(seed: seed)
        phase = owner ? .unregistered : .registered
    }

    var channel: UInt32 { UInt32(index + 1) }

    func blind() -> SecretBytes {
        while true {
            let candidate = random.randomBytes(32)
            if (try? testSuite.group.deserializeScalar(candidate)) != nil { return SecretBytes(candidate) }
        }
    }

    mutating func nextRequest(handle: UInt64) -> RealmRequest? {
        let request: VaultRequest
        switch phase {
        case .unregistered:
            guard let (start, state) = try? opaque.createRegistrationRequest(password: SecretBytes(password), blind: blind())
            else { return nil }
            blinded = start.blindedMessage
            phase = .registering(state)
            request = .registerStart(
                RegisterStartRequest(credentialID: id, attemptLimit: 0, registrationRequest: start.serialize()))
        case .registering, .finishing:
            return nil  // sent from `receive`
        case .registered, .loggingIn:
            guard
                let (ke1, state) = try? opaque.generateKE1(
                    password: SecretBytes(password), blind: blind(), clientNonce: random.randomBytes(32),
                    clientKeyshareSeed: SecretBytes(random.randomBytes(32)))
            else { return nil }
            blinded = ke1.blindedMessage
            // Owners deposit first, then recover, and after two recoveries delete the record now and
            // then (and register again).
            let intent: LoginIntent =
                depositedKey == nil ? .deposit : (recovered >= 2 && random.randomBytes(1)[0] < 64 ? .delete : .recover)
            phase = .loggingIn(state, intent)
            sticky = nil
            request = .loginStart(LoginStartRequest(credentialID: id, ke1: ke1.serialize()))
        }
        lastSent = request.operation
        return RealmRequest(handle: handle, channel: channel, request: request)
    }

    /// Takes a reply; a step that needs a follow-up request leaves it in `followUp`.
    mutating func receive(_ reply: VaultReply, agent: Int, limitHint: UInt8) {
        waiting = false
        followUp = nil
        switch (phase, reply.status) {
        case (.registering(let state), .ok) where lastSent == .registerStart:
            guard let body = try? RegisterStartResponse(decoding: reply.body),
                let response = try? RegistrationResponse.deserialize(body.registrationResponse, suite: testSuite),
                let result = try? opaque.finalizeRegistrationRequest(
                    state: state, response: response, envelopeNonce: random.randomBytes(32))
            else {
                phase = .unregistered
                return
            }
            sticky = agent
            followUp = .registerFinish(RegisterFinishRequest(credentialID: id, registrationRecord: result.record.serialize()))
        case (.registering, .ok):
            phase = .registered
            sticky = nil
        case (.registering, .credentialExists):
            phase = .registered
        case (.loggingIn(let state, let intent), .ok):
            guard let body = try? LoginStartResponse(decoding: reply.body),
                let ke2 = try? KE2.deserialize(body.ke2, suite: testSuite),
                let result = try? opaque.generateKE3(state: state, ke2: ke2)
            else {
                phase = .registered  // a wrong password (or a fake KE2): try again later
                return
            }
            var sealed: [UInt8] = []
            if intent == .deposit {
                let key = random.randomBytes(32)
                depositedKey = key
                let transport = try! HKDF<SHA256>.deriveKey(
                    ikm: result.sessionKey.bytes, salt: [], info: KeyTransport.depositKeyInfo(credentialID: id), length: 32)
                sealed = try! AESGCM.seal(key, key: SecretBytes(transport), nonce: KeyTransport.nonce,
                                          aad: KeyTransport.depositAAD)
            }
            let tag = SessionBinding.requestTag(
                sessionKey: result.sessionKey, credentialID: id, intent: intent, sealedKey: sealed)
            sticky = agent
            phase = .finishing(intent, result)
            followUp = .loginFinish(
                LoginFinishRequest(ke3: result.ke3.serialize(), intent: intent, sealedKey: sealed, binding: tag))
        case (.finishing(let intent, _), .ok):
            if intent == .recover { recovered += 1 }
            phase = .registered
            if intent == .delete {
                phase = owner ? .unregistered : .registered
                depositedKey = nil
                recovered = 0
                deleted += 1
            }
            sticky = nil
        case (.finishing(.deposit, _), .keyAlreadyDeposited):
            // An earlier deposit went through though its answer was lost: recover that key from now on.
            phase = .registered
            depositedKey = []
        case (_, .recordDestroyed):
            phase = owner ? .unregistered : .registered
            depositedKey = nil
            sticky = nil
        default:
            // Abandoned, refused or lost: start the operation again.
            if case .finishing(.deposit, _) = phase { depositedKey = nil }
            switch phase {
            case .registering: phase = .unregistered
            case .loggingIn, .finishing: phase = .registered
            default: break
            }
            sticky = nil
        }
    }

    /// A request the last reply calls for (RegisterFinish, LoginFinish), sent before anything else.
    var followUp: VaultRequest?
}

/// What the checker tracks of one registration (one OPRF key).
struct SimRecordTrack {
    let id: [UInt8]
    let nonce: [UInt8]
    let limit: UInt8
    let oprfKey: P256SHA256Suite.Group.Scalar
    /// Evaluations under this key released since the last released success.
    var sinceSuccess: Int
    var hadSuccess: Bool
    /// attemptsUsed in the newest committed leaf.
    var committedAttempts: UInt8
}

extension RealmSimulation {
    /// Every statement a member makes; an entry is committed (ground truth) when a majority made one.
    func vote(_ statement: RealmStatement) throws {
        let before = votes[statement.index]?[statement.entryHash]?.count ?? 0
        trace("vote member \(statement.member) index \(statement.index) \(statement.entryHash.prefix(2).map { String($0) })")
        votes[statement.index, default: [:]][statement.entryHash, default: []].insert(statement.member)
        if before < configuration.quorum, majorityCaptured(statement.index, statement.entryHash),
            let entry = entries[statement.entryHash]
        {
            try checkOneChain(entry)
            // A committed entry commits its ancestors: the checker reads them first, in log order,
            // each once (an ancestor may reach its own majority later, or never).
            let chain = ancestry(statement.entryHash)
            for index in chain.keys.sorted() {
                guard let hash = chain[index], !observed.contains(hash), let committed = entries[hash] else { continue }
                observed.insert(hash)
                try observeCommit(committed)
            }
        }
    }

    /// The entries before `hash`, by index, as far back as the store's entries reach.
    func ancestry(_ hash: [UInt8]) -> [UInt64: [UInt8]] {
        var chain: [UInt64: [UInt8]] = [:]
        var cursor = hash
        while let entry = entries[cursor] {
            chain[entry.index] = cursor
            cursor = entry.previousHash
        }
        return chain
    }

    /// Invariant 1 in full: committed entries form one chain. A newly committed entry must descend
    /// from every committed entry below it, and be the ancestor of every one above it.
    func checkOneChain(_ entry: RealmLogEntry) throws {
        let hash = entry.hash(engine)
        let chain = ancestry(hash)
        for (index, other) in committedAt where other != hash {
            let consistent = index < entry.index ? chain[index] == other
                : index == entry.index ? false : ancestry(other)[entry.index] == hash
            guard consistent else {
                throw SimViolation(
                    seed: seed, step: step,
                    what: "committed entries fork: index \(entry.index) and index \(index) are not on one chain")
            }
        }
        committedAt[entry.index] = hash
    }

    func majorityCaptured(_ index: UInt64, _ hash: [UInt8]) -> Bool {
        (votes[index]?[hash]?.count ?? 0) >= configuration.quorum
    }

    /// Invariant 1: one chain. Checked after every step.
    func check() throws {
        for (index, byHash) in votes {
            let committed = byHash.filter { $0.value.count >= configuration.quorum }
            if committed.count > 1 {
                throw SimViolation(
                    seed: seed, step: step, what: "two entries at index \(index) were each captured by a majority")
            }
        }
    }

    /// Invariant 2, at the moment a leader releases an entry's responses.
    func checkCommitted(_ entry: RealmLogEntry) throws {
        guard majorityCaptured(entry.index, entry.hash(engine)) else {
            throw SimViolation(
                seed: seed, step: step,
                what: "responses of entry \(entry.index) released before a majority captured it")
        }
    }

    /// The checker reads a committed entry's leaves with the realm's secrets and starts tracking
    /// each new registration, counting the evaluations released before it existed.
    func observeCommit(_ entry: RealmLogEntry) throws {
        let successes = successfulFinishes[entry.hash(engine)] ?? []
        if tracing {
            let described = entry.changes.map { change -> String in
                guard let leaf = change.leaf else { return "removed" }
                guard let (record, _) = RealmRecord.open(leaf, key: change.key, secrets: secrets, engine: engine) else {
                    return "unopenable"
                }
                switch record {
                case .live(let live): return "\(String(decoding: live.credentialID, as: UTF8.self)) used \(live.attemptsUsed) nonce \(live.registrationNonce[0])"
                case .destroyed(let id): return "\(String(decoding: id, as: UTF8.self)) destroyed"
                }
            }
            trace("COMMITTED entry \(entry.index) \(entry.hash(engine).prefix(2).map { String($0) }) by leader \(entry.leader) prev \(entry.previousHash.prefix(2).map { String($0) }): \(described)")
        }
        for change in entry.changes {
            guard let leaf = change.leaf,
                let (record, _) = RealmRecord.open(leaf, key: change.key, secrets: secrets, engine: engine)
            else { continue }
            guard case .live(let live) = record else {
                // Destroyed at its limit: every attempt used (a held last-chance login may restore it).
                if let tracked = records.lastIndex(where: { $0.id == record.credentialID }) {
                    records[tracked].committedAttempts = records[tracked].limit
                }
                continue
            }
            if let tracked = records.firstIndex(where: {
                $0.id == live.credentialID && $0.nonce == live.registrationNonce
            }) {
                // Attempts in committed leaves go down only at a committed success (an owner's KE3).
                if live.attemptsUsed < records[tracked].committedAttempts {
                    guard successes.contains(live.credentialID) else {
                        throw SimViolation(
                            seed: seed, step: step,
                            what: "entry \(entry.index) lowered the attempts of a record without a success")
                    }
                    records[tracked].sinceSuccess = 0
                    records[tracked].hadSuccess = true
                } else if successes.contains(live.credentialID),
                    Int(live.attemptsUsed) < Int(records[tracked].committedAttempts)
                        + (batchLoginStarts[entry.hash(engine)] ?? []).filter({ $0 == live.credentialID }).count
                {
                    // A success re-based the record, and LoginStarts later in the batch counted again.
                    records[tracked].sinceSuccess = 0
                    records[tracked].hadSuccess = true
                }
                records[tracked].committedAttempts = live.attemptsUsed
                trace("entry \(entry.index) committed record \(tracked) attempts \(live.attemptsUsed)")
                continue
            }
            let name = checks.oprfKeyPerRegistration
                ? OPRFKeyName.record(credentialID: live.credentialID, nonce: live.registrationNonce)
                : OPRFKeyName.fake(credentialID: live.credentialID)
            let key = try oprf.oprfKey(credentialIdentifier: name)
            var track = SimRecordTrack(
                id: live.credentialID, nonce: live.registrationNonce, limit: live.attemptLimit, oprfKey: key,
                sinceSuccess: 0, hadSuccess: false, committedAttempts: live.attemptsUsed)
            for evaluation in evaluations[live.credentialID] ?? [] where isEvaluation(evaluation, under: key) {
                track.sinceSuccess += 1
            }
            records.append(track)
            try checkRecord(records.count - 1)
        }
    }

    func isEvaluation(_ evaluation: (blinded: [UInt8], evaluated: [UInt8]), under key: P256SHA256Suite.Group.Scalar)
        -> Bool
    {
        guard let blinded = try? testSuite.group.deserializeElement(evaluation.blinded),
            let product = try? testSuite.group.multiply(blinded, by: key)
        else { return false }
        return testSuite.group.serialize(product) == evaluation.evaluated
    }

    /// Invariant 3 for one record.
    func checkRecord(_ index: Int) throws {
        let track = records[index]
        let allowed = Int(track.limit) + (track.hadSuccess ? 0 : 1)
        guard track.sinceSuccess <= allowed else {
            throw SimViolation(
                seed: seed, step: step,
                what: "\(track.sinceSuccess) OPRF evaluations under one record's key since its last success "
                    + "(limit \(track.limit)) for id \(String(decoding: track.id, as: UTF8.self))")
        }
    }

    /// Every reply a leader released: OPRF evaluations are counted; a success resets its record.
    func observeRelease(client: Int, reply: VaultReply) throws {
        let sender = clients[client]
        if reply.status == .recordDestroyed, sender.lastSent == .loginStart { destroyedSeen += 1 }
        guard reply.status == .ok else { return }
        var evaluated: [UInt8]?
        switch sender.lastSent {
        case .registerStart:
            evaluated = (try? RegisterStartResponse(decoding: reply.body)).map { Array($0.registrationResponse.prefix(33)) }
        case .loginStart:
            evaluated = (try? LoginStartResponse(decoding: reply.body)).map { Array($0.ke2.prefix(33)) }
        default:
            break
        }
        guard let evaluated else { return }
        releasedEvaluations += 1
        let evaluation = (blinded: sender.blinded, evaluated: evaluated)
        evaluations[sender.id, default: []].append(evaluation)
        for index in records.indices where records[index].id == sender.id {
            if isEvaluation(evaluation, under: records[index].oprfKey) {
                records[index].sinceSuccess += 1
                trace("evaluation released to client \(client) (\(String(describing: sender.lastSent))) under record \(index): \(records[index].sinceSuccess) since success")
                try checkRecord(index)
            }
        }
    }
}
