// OPAQUE registration, one time only. RegisterStart draws a nonce that, with the id, names this
// registration's own OPRF key, fixes the attempt limit (capped at the device's maximum), signs what
// the client must trust, and files the registration as pending on its channel. RegisterFinish
// finishes that pending registration and nothing else, once: a record captured earlier, replayed
// onto a free slot or a tombstone, finds no registration to finish, and if it is slipped into a new
// one it sits under an OPRF key the password was never evaluated under, so it opens nothing.

import CofferProtocol
import OPAQUE

/// How the device names the OPRF key of a credential (OPAQUE's `credential_identifier`, which only
/// the server uses): a record's key is named by its registration nonce and id; a fake login's by
/// the id alone under another prefix, so no record ever has the key a fake KE2 was evaluated under.
public enum OPRFKeyName {
    /// `0x01 || nonce (32) || id`.
    public static func record(credentialID: [UInt8], nonce: [UInt8]) -> [UInt8] { [0x01] + nonce + credentialID }
    /// `0x02 || id`.
    public static func fake(credentialID: [UInt8]) -> [UInt8] { [0x02] + credentialID }
}

extension Vault {
    /// RegisterStart: refused for an id that has a live record; a tombstone does not block (the
    /// owner of a destroyed key may register the id again).
    func registerStart(_ request: RegisterStartRequest, channel: UInt32) throws(FirmwareError) -> [UInt8] {
        let (identity, header) = try operationalStore()
        try refuseExisting(request.credentialID, in: identity.store)
        let limit =
            request.attemptLimit == 0 ? header.defaultAttemptLimit : min(request.attemptLimit, header.maxAttemptLimit)
        let nonce = board.entropy.randomBytes(VaultRecord.nonceLength)
        let response: [UInt8]
        do {
            let blinded = try RegistrationRequest.deserialize(request.registrationRequest, suite: board.engine.suite)
            response = try identity.opaque.createRegistrationResponse(
                request: blinded, credentialIdentifier: OPRFKeyName.record(credentialID: request.credentialID, nonce: nonce)
            ).serialize()
        } catch {
            throw .refused(error == .engineFailure ? .internalError : .malformed)
        }
        let statement = RegistrationStatement.message(
            serial: identity.serial, credentialID: request.credentialID, attemptLimit: limit,
            registrationRequest: request.registrationRequest, registrationResponse: response)
        let signature = try hal(
            try board.engine.ecdsaSign(privateKey: identity.keys.identityPrivateKey.bytes, message: statement))
        registrations.insert(
            PendingRegistration(channel: channel, credentialID: request.credentialID, attemptLimit: limit, nonce: nonce))
        return RegisterStartResponse(registrationResponse: response, attemptLimit: limit, signature: signature).encoded()
    }

    /// RegisterFinish: only for the registration pending on `channel` for the same id, which it uses
    /// up whatever the outcome. The record goes into the id's tombstone slot, else a free slot, else
    /// the first tombstone; its attempt base is the slot's attempt counter now (0 attempts used).
    func registerFinish(_ request: RegisterFinishRequest, channel: UInt32) throws(FirmwareError) -> [UInt8] {
        let (identity, _) = try operationalStore()
        guard let started = registrations.take(channel: channel),
            constantTimeEqual(started.credentialID, request.credentialID)
        else { throw .refused(.noPendingRegistration) }
        let store = identity.store
        try refuseExisting(request.credentialID, in: store)
        guard request.registrationRecord.count <= store.maxRegistrationRecordLength,
            (try? RegistrationRecord.deserialize(request.registrationRecord, suite: board.engine.suite)) != nil
        else { throw .refused(.malformed) }
        guard let slot = store.slot(of: request.credentialID) ?? store.freeSlot() else { throw .refused(.storeFull) }
        let base = try hal(try board.counters.read(store.counterLayout.attempts(slot)))
        let record = VaultRecord(
            credentialID: request.credentialID, attemptLimit: started.attemptLimit, attemptBase: base, backupKey: nil,
            registrationRecord: request.registrationRecord, registrationNonce: started.nonce)
        try store.write(slot, .record(record))
        return RegisterFinishResponse(attemptLimit: started.attemptLimit).encoded()
    }

    /// The keyed identity and the authenticated store header, or `storeUnavailable`.
    func operationalStore() throws(FirmwareError) -> (ChipIdentity<B>, StoreHeader) {
        guard case .operational(let identity, let header) = state else { throw .refused(.notAllowedInState) }
        guard let header else { throw .refused(.storeUnavailable) }
        return (identity, header)
    }

    /// Refuses an id with a live record, and an id whose slot is damaged: registering it elsewhere
    /// would leave two slots claiming one id, and the damaged one may hold its owner's key.
    private func refuseExisting(_ id: [UInt8], in store: ChipIdentity<B>.Store) throws(FirmwareError) {
        if let slot = store.slot(of: id), case .record = store.states[slot] { throw .refused(.credentialExists) }
        if store.damagedSlot(claiming: id) != nil { throw .refused(.slotDamaged) }
    }
}
