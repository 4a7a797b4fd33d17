import CofferCrypto
import CofferProtocol
import OPAQUE

/// The OPAQUE client of each suite a device may serve: the firmware's suites are separate concrete
/// types, so the client picks one per operation from GetInfo and runs the generic code with it.
enum SuiteClient {
    case p256SHA256(OPAQUEClient<P256SHA256Suite>)
    case ristretto255SHA512(OPAQUEClient<Ristretto255SHA512Suite>)
}

extension VaultClient {
    /// Registers `id` under `password` and deposits `backupKey` in the new record: OPAQUE
    /// registration (RegisterStart, RegisterFinish), then a login whose session carries the key.
    /// Returns the record's guess limit. `attemptLimit` nil takes the device's default.
    public func register(id: [UInt8], password: SecretBytes, backupKey: SecretBytes, attemptLimit: UInt8?)
        throws(VaultError) -> UInt8
    {
        let id = try checkID(id)
        let device = try verifiedDevice()
        switch try opaqueClient(for: device) {
        case .p256SHA256(let opaque):
            return try register(opaque, device: device, id: id, password: password, backupKey: backupKey,
                                attemptLimit: attemptLimit)
        case .ristretto255SHA512(let opaque):
            return try register(opaque, device: device, id: id, password: password, backupKey: backupKey,
                                attemptLimit: attemptLimit)
        }
    }

    private func register<Suite: OPAQUECiphersuite>(
        _ opaque: OPAQUEClient<Suite>, device: VerifiedDevice, id: [UInt8], password: SecretBytes,
        backupKey: SecretBytes, attemptLimit: UInt8?
    ) throws(VaultError) -> UInt8 {
        let (request, state) = try opaqueStep(.registerStart) { () throws(OPAQUEError) in
            try opaque.createRegistrationRequest(password: password, blind: blind(opaque.suite))
        }
        let requestBytes = request.serialize()
        let started = try decode(.registerStart, RegisterStartResponse.init(decoding:), try call(
            .registerStart(RegisterStartRequest(credentialID: id, attemptLimit: attemptLimit ?? 0,
                                                registrationRequest: requestBytes))))
        // The record will be made from this answer: it must be the device's own answer to this very
        // request (evaluation, AKE key, limit), signed by the identity checked above.
        let statement = RegistrationStatement.message(
            serial: device.info.serial, credentialID: id, attemptLimit: started.attemptLimit,
            registrationRequest: requestBytes, registrationResponse: started.registrationResponse)
        guard let identity = try? ECDSAVerifyingKey(sec1: device.info.identityPublicKey),
            identity.isValidSignature(started.signature, for: statement)
        else { throw .registrationNotAuthenticated }
        if let asked = attemptLimit, asked != started.attemptLimit {
            throw .attemptLimitNotApplied(asked: asked, applied: started.attemptLimit)
        }
        let response = try opaqueStep(.registerStart) { () throws(OPAQUEError) in
            try RegistrationResponse.deserialize(started.registrationResponse, suite: opaque.suite)
        }
        // The key the envelope will trust must be the one the pinned identity signed.
        guard constantTimeEqual(response.serverPublicKey, device.info.akePublicKey) else { throw .akeKeyMismatch }
        let result = try opaqueStep(.registerStart) { () throws(OPAQUEError) in
            try opaque.finalizeRegistrationRequest(
                state: state, response: response, envelopeNonce: random.bytes(OPAQUELengths.nonce))
        }
        let finished = try decode(.registerFinish, RegisterFinishResponse.init(decoding:), try call(
            .registerFinish(RegisterFinishRequest(credentialID: id, registrationRecord: result.record.serialize()))))
        guard finished.attemptLimit == started.attemptLimit else { throw .malformedReply(.registerFinish) }
        _ = try login(opaque, id: id, password: password) { (sessionKey) throws(VaultError) in
            let key = transportKey(sessionKey, info: KeyTransport.depositKeyInfo(credentialID: id))
            do {
                return (.deposit, try AESGCM.seal(backupKey.bytes, key: key, nonce: KeyTransport.nonce,
                                                  aad: KeyTransport.depositAAD))
            } catch {
                throw .refused(.internalError, operation: .loginFinish)
            }
        }
        return finished.attemptLimit
    }

    /// Logs in to `id` with `password` and returns the backup key the device releases.
    public func recover(id: [UInt8], password: SecretBytes) throws(VaultError) -> SecretBytes {
        let id = try checkID(id)
        let device = try verifiedDevice()
        var transportKeyForReply: SecretBytes?
        let reply = try login(device, id: id, password: password) { (sessionKey) throws(VaultError) in
            transportKeyForReply = transportKey(sessionKey, info: KeyTransport.recoverKeyInfo(credentialID: id))
            return (.recover, [])
        }
        guard let key = transportKeyForReply, reply.sealedKey.count == VaultLimits.sealedBackupKeyLength,
            let backupKey = try? AESGCM.open(reply.sealedKey, key: key, nonce: KeyTransport.nonce,
                                             aad: KeyTransport.recoverAAD),
            backupKey.count == VaultLimits.backupKeyLength
        else { throw .malformedReply(.loginFinish) }
        return SecretBytes(backupKey)
    }

    /// Logs in to `id` with `password` and deletes its record.
    public func delete(id: [UInt8], password: SecretBytes) throws(VaultError) {
        let id = try checkID(id)
        let device = try verifiedDevice()
        _ = try login(device, id: id, password: password) { (_) throws(VaultError) in (.delete, []) }
    }

    /// A login in the suite `device` serves.
    private func login(
        _ device: VerifiedDevice, id: [UInt8], password: SecretBytes,
        finish: (SecretBytes) throws(VaultError) -> (LoginIntent, [UInt8])
    ) throws(VaultError) -> LoginFinishResponse {
        switch try opaqueClient(for: device) {
        case .p256SHA256(let opaque): try login(opaque, id: id, password: password, finish: finish)
        case .ristretto255SHA512(let opaque): try login(opaque, id: id, password: password, finish: finish)
        }
    }

    /// LoginStart, OPAQUE on this side, then LoginFinish with what `finish` makes of the session
    /// key (the intent and, for a deposit, the sealed key).
    private func login<Suite: OPAQUECiphersuite>(
        _ opaque: OPAQUEClient<Suite>, id: [UInt8], password: SecretBytes,
        finish: (SecretBytes) throws(VaultError) -> (LoginIntent, [UInt8])
    ) throws(VaultError) -> LoginFinishResponse {
        let (ke1, state) = try opaqueStep(.loginStart) { () throws(OPAQUEError) in
            try opaque.generateKE1(password: password, blind: blind(opaque.suite),
                                   clientNonce: random.bytes(OPAQUELengths.nonce),
                                   clientKeyshareSeed: SecretBytes(random.bytes(OPAQUELengths.seed)))
        }
        let started = try decode(.loginStart, LoginStartResponse.init(decoding:), try call(
            .loginStart(LoginStartRequest(credentialID: id, ke1: ke1.serialize()))))
        let ke2 = try opaqueStep(.loginStart) { () throws(OPAQUEError) in
            try KE2.deserialize(started.ke2, suite: opaque.suite)
        }
        let result: ClientLoginResult<Suite>
        do {
            result = try opaque.generateKE3(state: state, ke2: ke2)
        } catch .envelopeRecoveryError {
            // The attempt is already counted; with none left the device has destroyed the record.
            if started.attemptsRemaining == 0 { throw .keyDestroyed(justNow: true) }
            throw .wrongPassword(attemptsRemaining: started.attemptsRemaining)
        } catch .serverAuthenticationError {
            throw .serverAuthenticationFailed
        } catch {
            throw .malformedReply(.loginStart)
        }
        let (intent, sealedKey) = try finish(result.sessionKey)
        // Binds the intent and the sealed key to this session, so a relay cannot turn a recover into a
        // delete; the device's ok comes back bound the same way.
        let binding = SessionBinding.requestTag(
            sessionKey: result.sessionKey, credentialID: id, intent: intent, sealedKey: sealedKey)
        let body: [UInt8]
        do {
            body = try call(.loginFinish(LoginFinishRequest(ke3: result.ke3.serialize(), intent: intent,
                                                            sealedKey: sealedKey, binding: binding)))
        } catch .refused(.authenticationFailed, _) {
            throw .wrongPassword(attemptsRemaining: started.attemptsRemaining)
        }
        let reply = try decode(.loginFinish, LoginFinishResponse.init(decoding:), body)
        guard SessionBinding.verifies(reply, sessionKey: result.sessionKey, credentialID: id, intent: intent) else {
            throw .replyNotAuthenticated(.loginFinish)
        }
        return reply
    }

    /// A blind that is a valid scalar: uniformly random bytes, drawn again when they are zero or not
    /// below the group order (rare for P-256; for ristretto255, whose order is near 2^252, about 15
    /// draws in 16 are refused, which costs microseconds beside the KSF).
    private func blind<Suite: OPAQUECiphersuite>(_ suite: Suite) -> SecretBytes {
        while true {
            let candidate = SecretBytes(random.bytes(suite.group.scalarLength))
            if (try? suite.group.deserializeScalar(candidate.bytes)) != nil { return candidate }
        }
    }

    /// The OPAQUE client of the suite the device serves, with the context that suite binds
    /// (docs/PROTOCOL.md, "Suites"). The device's AKE key must be an element of that suite's group:
    /// the key is signed and the suite byte is not, so this catches a suite byte a relay changed.
    private func opaqueClient(for device: VerifiedDevice) throws(VaultError) -> SuiteClient {
        let suite = device.info.suite
        let client: SuiteClient
        switch suite {
        case .p256SHA256:
            client = .p256SHA256(OPAQUEClient(suite: p256Suite, context: suite.context))
            guard (try? p256Suite.group.deserializeElement(device.info.akePublicKey)) != nil else {
                throw .malformedReply(.getInfo)
            }
        case .ristretto255SHA512:
            client = .ristretto255SHA512(OPAQUEClient(suite: ristretto255Suite, context: suite.context))
            guard (try? ristretto255Suite.group.deserializeElement(device.info.akePublicKey)) != nil else {
                throw .malformedReply(.getInfo)
            }
        default:
            throw .unsupportedSuite(suite.rawValue)
        }
        return client
    }

    /// HKDF-SHA256 of the session key into a one-message transport key (docs/PROTOCOL.md).
    private func transportKey(_ sessionKey: SecretBytes, info: [UInt8]) -> SecretBytes {
        do {
            return SecretBytes(try HKDF<SHA256>.deriveKey(ikm: sessionKey.bytes, salt: [], info: info, length: 32))
        } catch {
            preconditionFailure("32 bytes are within HKDF-SHA256's limit")
        }
    }

    /// The id the vault knows the record by: `id` itself on a device; in a realm, `id` must be the
    /// account the token names, and the record id is the one derived from it (`AccountRecordID`).
    private func checkID(_ id: [UInt8]) throws(VaultError) -> [UInt8] {
        guard (VaultLimits.credentialIDMinLength...VaultLimits.credentialIDMaxLength).contains(id.count) else {
            throw .invalidCredentialID
        }
        return try realm?.recordID(forAccount: id) ?? id
    }

    private func decode<T>(_ operation: VaultOperation, _ parse: ([UInt8]) throws(ProtocolError) -> T,
                           _ body: [UInt8]) throws(VaultError) -> T {
        do {
            return try parse(body)
        } catch {
            throw .malformedReply(operation)
        }
    }

    /// A client-side OPAQUE step; a failure here means the device's answer to `operation` is not
    /// valid OPAQUE.
    private func opaqueStep<T>(_ operation: VaultOperation, _ step: () throws(OPAQUEError) -> T)
        throws(VaultError) -> T
    {
        do {
            return try step()
        } catch {
            throw .malformedReply(operation)
        }
    }
}
