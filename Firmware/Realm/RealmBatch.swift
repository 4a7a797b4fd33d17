// One batch of vault requests at the realm's leader member, turned into the changes of one log entry.
// The same rules as the standalone device, on leaves instead of slots: LoginStart counts the attempt
// in the entry (and destroys the leaf at the limit) before its KE2 exists, fake KE2s for unknown ids
// use an OPRF key no record can have, RegisterFinish finishes only the registration started on its
// channel, and a LoginFinish acts only on fields bound to its session. Nothing computed here leaves
// the member before the entry is committed.

import CofferProtocol
import OPAQUE

/// A leaf as the batch sees it: read once from the proof, then changed in place.
struct RealmWorkingLeaf {
    let key: [UInt8]
    var record: RealmRecord?
    var changed: Bool
}

/// The batch being turned into an entry at `index`.
struct RealmBatch<B: Board> {
    typealias Suite = B.Engine.Suite
    let member: RealmMembership<Suite>
    let board: B
    let keys: DeviceKeys
    let serial: UInt64
    let checks: RealmSafetyChecks
    let deviceKind: DeviceKind
    let index: UInt64
    let proof: RecordTree
    let leaves: [[UInt8]]
    var working: [RealmWorkingLeaf] = []
    var newLogins: [RealmPendingLogin<ServerLoginState>] = []
    var newRegistrations: [PendingRegistration] = []
    /// Set when a leaf could not be read: the whole batch is refused with it (the agent's fault).
    var proofFailure: RealmError?

    init(
        member: RealmMembership<Suite>, board: B, keys: DeviceKeys, serial: UInt64, checks: RealmSafetyChecks,
        deviceKind: DeviceKind, index: UInt64, proof: RecordTree, leaves: [[UInt8]]
    ) {
        self.deviceKind = deviceKind
        self.member = member
        self.board = board
        self.keys = keys
        self.serial = serial
        self.checks = checks
        self.index = index
        self.proof = proof
        self.leaves = leaves
    }

    /// Serves one request; a refusal is a reply, a bad proof or leaf throws (the agent's fault).
    mutating func perform(
        _ request: RealmRequest, logins: inout PendingTable<RealmPendingLogin<ServerLoginState>>,
        registrations: inout PendingTable<PendingRegistration>
    ) throws(RealmError) -> VaultReply {
        do throws(FirmwareError) {
            let body: [UInt8]
            switch request.request {
            case .getInfo:
                body = try info().encoded()
            case .registerStart(let start):
                body = try registerStart(start, channel: request.channel)
            case .registerFinish(let finish):
                guard let started = registrations.take(channel: request.channel),
                    constantTimeEqual(started.credentialID, finish.credentialID)
                else { throw .refused(.noPendingRegistration) }
                body = try registerFinish(finish, started: started)
            case .loginStart(let start):
                body = try loginStart(start, channel: request.channel)
            case .loginFinish(let finish):
                guard let login = logins.take(channel: request.channel) else { throw .refused(.noPendingLogin) }
                body = try loginFinish(finish, login: login)
            case .counters, .manufacture, .provision, .zeroize:
                // Operator commands go to a chip, not to the realm.
                throw .refused(.notAllowedInState)
            }
            return VaultReply(status: .ok, body: body)
        } catch {
            if let proofFailure { throw proofFailure }
            if case .hal(let failure) = error { throw RealmError.hal(failure) }
            return VaultReply(status: error.status)
        }
    }

    // MARK: Leaves

    /// The tree key of a record id: HMAC under the realm's index key, so the store never sees ids.
    func treeKey(_ id: [UInt8]) -> [UInt8] {
        board.engine.hmacSHA256(key: member.secrets.recordIndexKey.bytes, message: id)
    }

    /// The record under `key` as this batch has it.
    mutating func read(_ key: [UInt8], id: [UInt8]) throws(RealmLeafError) -> RealmRecord? {
        if let found = working.firstIndex(where: { $0.key == key }) { return working[found].record }
        guard member.configuration.owns(key) else { throw .notOwned }
        let record: RealmRecord?
        guard let treeKey = RecordKey(key) else { throw .invalid }
        switch proof.lookup(treeKey) {
        case .unknown:
            throw .notCovered
        case .absent:
            record = nil
        case .present(let valueHash):
            guard let leaf = leaves.first(where: { board.engine.sha256($0) == valueHash }),
                let (opened, _) = RealmRecord.open(leaf, key: key, secrets: member.secrets, engine: board.engine),
                opened.credentialID == id
            else { throw .invalid }
            record = opened
        }
        working.append(RealmWorkingLeaf(key: key, record: record, changed: false))
        return record
    }

    mutating func write(_ key: [UInt8], _ record: RealmRecord?) {
        guard let found = working.firstIndex(where: { $0.key == key }) else {
            preconditionFailure("a leaf is read before it is written")
        }
        working[found].record = record
        working[found].changed = true
    }

    /// `read` with its failures as the member's errors.
    mutating func record(of id: [UInt8]) throws(FirmwareError) -> ([UInt8], RealmRecord?) {
        let key = treeKey(id)
        do throws(RealmLeafError) {
            return (key, try read(key, id: id))
        } catch {
            switch error {
            case .notOwned: throw .refused(.notAllowedInState)
            case .notCovered: proofFailure = .proofIncomplete
            case .invalid: proofFailure = .leafInvalid
            }
            throw .refused(.internalError)
        }
    }

    /// The OPRF key name of a record (the per-registration rule; its negative twin names it by the
    /// id alone, which is the fake logins' key).
    func oprfKeyName(_ id: [UInt8], nonce: [UInt8]) -> [UInt8] {
        checks.oprfKeyPerRegistration
            ? OPRFKeyName.record(credentialID: id, nonce: nonce) : OPRFKeyName.fake(credentialID: id)
    }

    // MARK: Requests

    func info() throws(FirmwareError) -> GetInfoResponse {
        let ake = member.ake.publicKey
        let signature = try hal(
            try board.engine.ecdsaSign(
                privateKey: keys.identityPrivateKey.bytes,
                message: IdentityStatement.message(serial: serial, deviceKind: deviceKind, akePublicKey: ake)))
        return GetInfoResponse(
            protocolVersion: CofferProtocolVersion.current, firmwareVersion: FirmwareConfiguration.firmwareVersion,
            serial: serial, lifecycle: .operational, slotCount: 0, recordCount: 0, tombstoneCount: 0, damagedCount: 0,
            defaultAttemptLimit: member.policy.defaultAttemptLimit, maxAttemptLimit: member.policy.maxAttemptLimit,
            akePublicKey: ake, identityPublicKey: keys.identityPublicKey, identitySignature: signature,
            suite: board.engine.vaultSuite, deviceKind: deviceKind)
    }

    mutating func registerStart(_ request: RegisterStartRequest, channel: UInt32) throws(FirmwareError) -> [UInt8] {
        let id = request.credentialID
        if case .live = try record(of: id).1 { throw .refused(.credentialExists) }
        let policy = member.policy
        let limit = request.attemptLimit == 0 ? policy.defaultAttemptLimit : min(request.attemptLimit, policy.maxAttemptLimit)
        let nonce = board.entropy.randomBytes(VaultRecord.nonceLength)
        let response: [UInt8]
        do {
            let blinded = try RegistrationRequest.deserialize(request.registrationRequest, suite: board.engine.suite)
            response = try member.opaque.createRegistrationResponse(
                request: blinded, credentialIdentifier: oprfKeyName(id, nonce: nonce)
            ).serialize()
        } catch {
            throw .refused(error == .engineFailure ? .internalError : .malformed)
        }
        let statement = RegistrationStatement.message(
            serial: serial, credentialID: id, attemptLimit: limit, registrationRequest: request.registrationRequest,
            registrationResponse: response)
        let signature = try hal(try board.engine.ecdsaSign(privateKey: keys.identityPrivateKey.bytes, message: statement))
        newRegistrations.append(PendingRegistration(channel: channel, credentialID: id, attemptLimit: limit, nonce: nonce))
        return RegisterStartResponse(registrationResponse: response, attemptLimit: limit, signature: signature).encoded()
    }

    mutating func registerFinish(
        _ request: RegisterFinishRequest, started: PendingRegistration
    ) throws(FirmwareError) -> [UInt8] {
        let (key, existing) = try record(of: request.credentialID)
        if case .live = existing { throw .refused(.credentialExists) }
        guard request.registrationRecord.count <= RealmLimits.maxRegistrationRecordLength,
            (try? RegistrationRecord.deserialize(request.registrationRecord, suite: board.engine.suite)) != nil
        else { throw .refused(.malformed) }
        write(
            key,
            .live(
                RealmLiveRecord(
                    credentialID: request.credentialID, attemptLimit: started.attemptLimit, attemptsUsed: 0,
                    registrationNonce: started.nonce, registrationRecord: request.registrationRecord, backupKey: nil)))
        return RegisterFinishResponse(attemptLimit: started.attemptLimit).encoded()
    }

    mutating func loginStart(_ request: LoginStartRequest, channel: UInt32) throws(FirmwareError) -> [UInt8] {
        let suite = board.engine.suite
        let ke1: KE1<Suite>
        do {
            ke1 = try KE1.deserialize(request.ke1, suite: suite)
        } catch {
            throw .refused(.malformed)
        }
        let id = request.credentialID
        let (key, existing) = try record(of: id)
        switch existing {
        case nil:
            let fake = try fakeRegistrationRecord(fakeRecordKey: member.secrets.fakeRecordKey, id: id, engine: board.engine)
            let ke2 = try respond(
                to: ke1, record: fake, oprfKeyName: OPRFKeyName.fake(credentialID: id),
                login: RealmPendingLogin(channel: channel, credentialID: id, record: nil, held: false, serverState: nil))
            return LoginStartResponse(ke2: ke2, attemptsRemaining: member.policy.defaultAttemptLimit - 1).encoded()
        case .destroyed:
            throw .refused(.recordDestroyed)
        case .live(var record):
            guard record.attemptsUsed < record.attemptLimit,
                let registration = try? RegistrationRecord.deserialize(record.registrationRecord, suite: suite)
            else { throw .refused(.recordDestroyed) }
            record.attemptsUsed += 1
            let isLast = record.attemptsUsed == record.attemptLimit
            write(key, isLast ? .destroyed(credentialID: id) : .live(record))
            let ke2 = try respond(
                to: ke1, record: registration, oprfKeyName: oprfKeyName(id, nonce: record.registrationNonce),
                login: RealmPendingLogin(channel: channel, credentialID: id, record: record, held: isLast, serverState: nil))
            return LoginStartResponse(ke2: ke2, attemptsRemaining: record.attemptLimit - record.attemptsUsed).encoded()
        }
    }

    /// Computes KE2 and files the login to become pending when the entry commits.
    mutating func respond(
        to ke1: KE1<Suite>, record: RegistrationRecord<Suite>, oprfKeyName: [UInt8],
        login: RealmPendingLogin<ServerLoginState?>
    ) throws(FirmwareError) -> [UInt8] {
        let entropy = board.entropy
        do {
            let (ke2, serverState) = try member.opaque.generateKE2(
                ke1: ke1, record: record, credentialIdentifier: oprfKeyName,
                maskingNonce: entropy.randomBytes(OPAQUELengths.nonce),
                serverNonce: entropy.randomBytes(OPAQUELengths.nonce),
                serverKeyshareSeed: SecretBytes(entropy.randomBytes(OPAQUELengths.seed)))
            newLogins.append(
                RealmPendingLogin(
                    channel: login.channel, credentialID: login.credentialID, record: login.record, held: login.held,
                    serverState: serverState))
            return ke2.serialize()
        } catch {
            throw .refused(.internalError)
        }
    }

    mutating func loginFinish(
        _ request: LoginFinishRequest, login: RealmPendingLogin<ServerLoginState>
    ) throws(FirmwareError) -> [UInt8] {
        let sessionKey: SecretBytes
        do {
            let ke3 = try KE3.deserialize(request.ke3, suite: board.engine.suite)
            sessionKey = try member.opaque.finish(state: login.serverState, ke3: ke3)
        } catch {
            throw .refused(.authenticationFailed)
        }
        // A fake KE2's transcript has no key anyone knows; reaching here would need a MAC forgery.
        guard let started = login.record else { throw .refused(.authenticationFailed) }
        let id = login.credentialID
        let (key, current) = try record(of: id)
        var record: RealmLiveRecord
        switch current {
        case .live(let live) where constantTimeEqual(live.registrationRecord, started.registrationRecord)
            && live.registrationNonce == started.registrationNonce && !login.held:
            record = live
        case .destroyed where login.held:
            record = started
        case .destroyed:
            throw .refused(.recordDestroyed)
        default:
            throw .refused(.noPendingLogin)
        }
        // A valid KE3 proves the password: attempts used go back to 0, whatever the intent does next.
        record.attemptsUsed = 0
        let expected = bindingTag(
            sessionKey,
            SessionBinding.requestInfo(credentialID: id, intent: request.intent, sealedKey: request.sealedKey))
        guard constantTimeEqual(expected, request.binding) else {
            write(key, .live(record))
            throw .refused(.requestNotAuthenticated)
        }
        switch request.intent {
        case .delete:
            write(key, nil)
            return finishReply(sessionKey, id, .delete, sealedKey: [])
        case .deposit:
            guard record.backupKey == nil else {
                write(key, .live(record))
                throw .refused(.keyAlreadyDeposited)
            }
            let transport = board.engine.hkdf(
                ikm: sessionKey.bytes, salt: [], info: KeyTransport.depositKeyInfo(credentialID: id), length: 32)
            guard
                let backupKey = try? board.engine.openAESGCM(
                    key: transport, nonce: KeyTransport.nonce, sealed: request.sealedKey, aad: KeyTransport.depositAAD),
                backupKey.count == VaultLimits.backupKeyLength
            else {
                write(key, .live(record))
                throw .refused(.sealedKeyRejected)
            }
            record.backupKey = SecretBytes(backupKey)
            write(key, .live(record))
            return finishReply(sessionKey, id, .deposit, sealedKey: [])
        case .recover:
            write(key, .live(record))
            guard let backupKey = record.backupKey else { throw .refused(.noKeyDeposited) }
            let transport = board.engine.hkdf(
                ikm: sessionKey.bytes, salt: [], info: KeyTransport.recoverKeyInfo(credentialID: id), length: 32)
            let sealed = try hal(
                try board.engine.sealAESGCM(
                    key: transport, nonce: KeyTransport.nonce, plaintext: backupKey.bytes, aad: KeyTransport.recoverAAD))
            return finishReply(sessionKey, id, .recover, sealedKey: sealed)
        }
    }

    func bindingTag(_ sessionKey: SecretBytes, _ info: [UInt8]) -> [UInt8] {
        board.engine.hkdf(ikm: sessionKey.bytes, salt: [], info: info, length: SessionBinding.tagLength)
    }

    func finishReply(_ sessionKey: SecretBytes, _ id: [UInt8], _ intent: LoginIntent, sealedKey: [UInt8]) -> [UInt8] {
        let tag = bindingTag(sessionKey, SessionBinding.replyInfo(credentialID: id, intent: intent, sealedKey: sealedKey))
        return LoginFinishResponse(sealedKey: sealedKey, binding: tag).encoded()
    }
}

/// Why a leaf could not be read for a batch.
enum RealmLeafError: Error {
    /// The key is outside the group's range.
    case notOwned
    /// The proof does not cover the key.
    case notCovered
    /// The leaf is missing, does not match the proof, or does not open.
    case invalid
}
