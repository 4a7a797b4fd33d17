// OPAQUE login with the guess limit. LoginStart on a record FIRST raises the slot's attempt counter
// and waits until it is durable, re-reads it, and only THEN computes KE2 (Trezor's and OpenTitan's
// "increment, then check"): a power cut after KE2 left the chip cannot give the guess back. A valid
// KE3 re-bases the record; the login that uses the last attempt destroys the record on flash at
// once and keeps it only in RAM for its own KE3.

import CofferProtocol
import OPAQUE

extension Vault {
    func loginStart(_ request: LoginStartRequest, channel: UInt32) throws(FirmwareError) -> [UInt8] {
        let (identity, header) = try operationalStore()
        let store = identity.store
        let suite = board.engine.suite
        let ke1: KE1<Suite>
        do {
            ke1 = try KE1.deserialize(request.ke1, suite: suite)
        } catch {
            throw .refused(.malformed)
        }
        let id = request.credentialID
        guard let slot = store.slot(of: id) else {
            // The id's record may sit in a slot that no longer opens: say so, not "unknown".
            if store.damagedSlot(claiming: id) != nil { throw .refused(.slotDamaged) }
            return try fakeLogin(ke1, id: id, channel: channel, identity: identity, header: header)
        }
        let record: VaultRecord
        switch try store.load(slot) {
        case .record(let stored) where stored.credentialID == id: record = stored
        case .tombstone: throw .refused(.recordDestroyed)
        default: throw .refused(.slotDamaged)
        }
        // Stored records were checked at registration and sealed since; this cannot fail in practice.
        guard let registration = try? RegistrationRecord.deserialize(record.registrationRecord, suite: suite) else {
            throw .refused(.internalError)
        }
        let limit = UInt32(record.attemptLimit)
        let attemptsIndex = store.counterLayout.attempts(slot)
        let before = try hal(try board.counters.read(attemptsIndex))
        guard record.attemptsUsed(counter: before) < limit else {
            // Used up before a power cut let the destruction happen: finish it now.
            try destroy(slot: slot, credentialID: id, store: store)
            throw .refused(.recordDestroyed)
        }
        _ = try hal(try board.counters.increment(attemptsIndex))
        let counted = try hal(try board.counters.read(attemptsIndex))
        let used = record.attemptsUsed(counter: counted)
        guard used <= limit else {
            try destroy(slot: slot, credentialID: id, store: store)
            throw .refused(.recordDestroyed)
        }
        let isLastAttempt = used == limit
        if isLastAttempt { try destroy(slot: slot, credentialID: id, store: store) }
        let ke2 = try respond(
            to: ke1, record: registration, id: id,
            oprfKeyName: OPRFKeyName.record(credentialID: id, nonce: record.registrationNonce), channel: channel,
            identity: identity, target: .record(slot: slot, record: record, held: isLastAttempt))
        return LoginStartResponse(ke2: ke2, attemptsRemaining: UInt8(limit - used)).encoded()
    }

    /// An id with no record: RFC 9807's fake KE2, from a fake record derived from the id (so repeated
    /// logins to one id look alike). A durable counter write keeps the cost of a real login. Its OPRF
    /// key is one no record can have (`OPRFKeyName.fake`), so what it evaluates is useless later.
    private func fakeLogin(
        _ ke1: KE1<Suite>, id: [UInt8], channel: UInt32, identity: ChipIdentity<B>, header: StoreHeader
    ) throws(FirmwareError) -> [UInt8] {
        _ = try hal(try board.counters.increment(CounterLayout.unknownLogins))
        let fake = try fakeRegistrationRecord(fakeRecordKey: identity.keys.fakeRecordKey, id: id, engine: board.engine)
        let ke2 = try respond(
            to: ke1, record: fake, id: id, oprfKeyName: OPRFKeyName.fake(credentialID: id), channel: channel,
            identity: identity, target: .unknown)
        // What a fresh record at the default limit would say after this login.
        return LoginStartResponse(ke2: ke2, attemptsRemaining: header.defaultAttemptLimit - 1).encoded()
    }

    /// Computes KE2 with fresh randomness and files the login as pending on `channel`.
    private func respond(
        to ke1: KE1<Suite>, record: RegistrationRecord<Suite>, id: [UInt8], oprfKeyName: [UInt8], channel: UInt32,
        identity: ChipIdentity<B>, target: LoginTarget
    ) throws(FirmwareError) -> [UInt8] {
        let entropy = board.entropy
        do {
            let (ke2, serverState) = try identity.opaque.generateKE2(
                ke1: ke1, record: record, credentialIdentifier: oprfKeyName,
                maskingNonce: entropy.randomBytes(OPAQUELengths.nonce),
                serverNonce: entropy.randomBytes(OPAQUELengths.nonce),
                serverKeyshareSeed: SecretBytes(entropy.randomBytes(OPAQUELengths.seed)))
            pending.insert(PendingLogin(channel: channel, credentialID: id, target: target, serverState: serverState))
            return ke2.serialize()
        } catch {
            // KE1 and the record were checked before: this is the engine.
            throw .refused(.internalError)
        }
    }

    func loginFinish(_ request: LoginFinishRequest, channel: UInt32) throws(FirmwareError) -> [UInt8] {
        let (identity, _) = try operationalStore()
        guard let login = pending.take(channel: channel) else { throw .refused(.noPendingLogin) }
        let sessionKey: SecretBytes
        do {
            let ke3 = try KE3.deserialize(request.ke3, suite: board.engine.suite)
            sessionKey = try identity.opaque.finish(state: login.serverState, ke3: ke3)
        } catch {
            throw .refused(.authenticationFailed)
        }
        guard case .record(let slot, let started, let held) = login.target else {
            // A fake KE2's transcript has no key anyone knows; reaching here would need a MAC forgery.
            throw .refused(.authenticationFailed)
        }

        var record = try currentRecord(slot: slot, started: started, held: held, store: identity.store)
        let store = identity.store
        // A valid KE3 proves the password: attempts used go back to 0, whatever the intent does next.
        record.attemptBase = try hal(
            try board.counters.read(store.counterLayout.attempts(slot)))
        // The fields the device is about to act on must be the ones the client bound to this session:
        // a relay's edit of the intent or the sealed key is refused, and only the re-base (which the
        // owner's KE3 earned) is kept.
        let expected = binding(
            sessionKey, SessionBinding.requestInfo(
                credentialID: login.credentialID, intent: request.intent, sealedKey: request.sealedKey))
        guard constantTimeEqual(expected, request.binding) else {
            try store.write(slot, .record(record))
            throw .refused(.requestNotAuthenticated)
        }
        switch request.intent {
        case .delete:
            try store.write(slot, .empty, scrub: true)
            return reply(sessionKey, login.credentialID, .delete, sealedKey: [])
        case .deposit:
            guard record.backupKey == nil else {
                try store.write(slot, .record(record))
                throw .refused(.keyAlreadyDeposited)
            }
            let key = board.engine.hkdf(
                ikm: sessionKey.bytes, salt: [], info: KeyTransport.depositKeyInfo(credentialID: login.credentialID),
                length: 32)
            guard
                let backupKey = try? board.engine.openAESGCM(
                    key: key, nonce: KeyTransport.nonce, sealed: request.sealedKey, aad: KeyTransport.depositAAD),
                backupKey.count == VaultLimits.backupKeyLength
            else {
                try store.write(slot, .record(record))
                throw .refused(.sealedKeyRejected)
            }
            record.backupKey = SecretBytes(backupKey)
            try store.write(slot, .record(record))
            return reply(sessionKey, login.credentialID, .deposit, sealedKey: [])
        case .recover:
            try store.write(slot, .record(record))
            guard let backupKey = record.backupKey else { throw .refused(.noKeyDeposited) }
            let key = board.engine.hkdf(
                ikm: sessionKey.bytes, salt: [], info: KeyTransport.recoverKeyInfo(credentialID: login.credentialID),
                length: 32)
            let sealed = try hal(
                try board.engine.sealAESGCM(
                    key: key, nonce: KeyTransport.nonce, plaintext: backupKey.bytes, aad: KeyTransport.recoverAAD))
            return reply(sessionKey, login.credentialID, .recover, sealedKey: sealed)
        }
    }

    /// The session binding tag of `info` (docs/PROTOCOL.md §5).
    private func binding(_ sessionKey: SecretBytes, _ info: [UInt8]) -> [UInt8] {
        board.engine.hkdf(ikm: sessionKey.bytes, salt: [], info: info, length: SessionBinding.tagLength)
    }

    /// An ok LoginFinish reply, bound to the session so the client knows the device did it.
    private func reply(_ sessionKey: SecretBytes, _ id: [UInt8], _ intent: LoginIntent, sealedKey: [UInt8]) -> [UInt8] {
        let tag = binding(sessionKey, SessionBinding.replyInfo(credentialID: id, intent: intent, sealedKey: sealedKey))
        return LoginFinishResponse(sealedKey: sealedKey, binding: tag).encoded()
    }

    /// The record a finishing login acts on. Normally the slot's current record, which must still be
    /// the one the login started against (same id and registration). For a login that used the last
    /// attempt, the record held in RAM, provided the slot still holds its tombstone.
    private func currentRecord(
        slot: Int, started: VaultRecord, held: Bool, store: ChipIdentity<B>.Store
    ) throws(FirmwareError) -> VaultRecord {
        let content = try store.load(slot)
        if held {
            guard case .tombstone(let id) = content, id == started.credentialID else {
                throw .refused(.recordDestroyed)
            }
            return started
        }
        guard case .record(let current) = content, current.credentialID == started.credentialID,
            constantTimeEqual(current.registrationRecord, started.registrationRecord)
        else { throw .refused(.noPendingLogin) }
        return current
    }
}

/// RFC 9807's fake record for an unknown `id` (§6.3.2.2): client key pair and masking key derived from
/// `fakeRecordKey` and the id, so repeated logins to one id look alike.
func fakeRegistrationRecord<Engine: CryptoEngine>(
    fakeRecordKey: SecretBytes, id: [UInt8], engine: Engine
) throws(FirmwareError) -> RegistrationRecord<Engine.Suite> {
    let suite = engine.suite
    let material = SecretBytes(
        engine.hkdf(
            ikm: fakeRecordKey.bytes, salt: [], info: KeyLabel.fakeRecordInfo + id,
            length: OPAQUELengths.seed + suite.hashLength))
    do {
        let bytes = material.bytes
        let keyPair = try OPAQUEKeyPair(diffieHellmanSeed: SecretBytes(Array(bytes.prefix(OPAQUELengths.seed))), suite: suite)
        return try RegistrationRecord.fake(
            clientKeyPair: keyPair, maskingKey: SecretBytes(Array(bytes.dropFirst(OPAQUELengths.seed))), suite: suite)
    } catch {
        throw .refused(.internalError)
    }
}
