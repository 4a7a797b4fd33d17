// OPAQUE registration: the device evaluates the client's blinded password under the credential's
// OPRF key (no state kept between the two halves), then stores the record the client uploads.

import CofferProtocol
import OPAQUE

extension Vault {
    /// RegisterStart: refused for an id that has a live record; a tombstone does not block (the
    /// owner of a destroyed key may register the id again).
    func registerStart(_ request: RegisterStartRequest) throws(FirmwareError) -> [UInt8] {
        let (identity, _) = try operationalStore()
        try refuseExisting(request.credentialID, in: identity.store)
        do {
            let blinded = try RegistrationRequest.deserialize(request.registrationRequest, suite: board.engine.suite)
            let response = try identity.opaque.createRegistrationResponse(
                request: blinded, credentialIdentifier: request.credentialID)
            return RegisterStartResponse(registrationResponse: response.serialize()).encoded()
        } catch {
            throw .refused(error == .engineFailure ? .internalError : .malformed)
        }
    }

    /// RegisterFinish: the record goes into the id's tombstone slot, else a free slot, else the
    /// first tombstone; its attempt base is the slot's attempt counter now (0 attempts used).
    func registerFinish(_ request: RegisterFinishRequest) throws(FirmwareError) -> [UInt8] {
        let (identity, header) = try operationalStore()
        let store = identity.store
        try refuseExisting(request.credentialID, in: store)
        guard request.registrationRecord.count <= store.maxRegistrationRecordLength,
            (try? RegistrationRecord.deserialize(request.registrationRecord, suite: board.engine.suite)) != nil
        else { throw .refused(.malformed) }
        let limit = request.attemptLimit == 0 ? header.defaultAttemptLimit : request.attemptLimit
        guard let slot = store.slot(of: request.credentialID) ?? store.freeSlot() else { throw .refused(.storeFull) }
        let base = try hal(try board.counters.read(store.counterLayout.attempts(slot)))
        let record = VaultRecord(
            credentialID: request.credentialID, attemptLimit: limit, attemptBase: base, backupKey: nil,
            registrationRecord: request.registrationRecord)
        try store.write(slot, .record(record))
        return RegisterFinishResponse(attemptLimit: limit).encoded()
    }

    /// The keyed identity and the authenticated store header, or `storeUnavailable`.
    func operationalStore() throws(FirmwareError) -> (ChipIdentity<B>, StoreHeader) {
        guard case .operational(let identity, let header) = state else { throw .refused(.notAllowedInState) }
        guard let header else { throw .refused(.storeUnavailable) }
        return (identity, header)
    }

    private func refuseExisting(_ id: [UInt8], in store: ChipIdentity<B>.Store) throws(FirmwareError) {
        if let slot = store.slot(of: id), case .record = store.states[slot] { throw .refused(.credentialExists) }
    }
}
