// A vault client for tests: OPAQUE client side (Identity KSF), key transport, and the outcomes a
// real client would report. It talks to a `Vault` directly, on a channel of its choosing.

import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import OPAQUE

@testable import CofferFirmware

/// What a login came to, as the client sees it.
enum LoginOutcome: Equatable {
    /// Recover: the backup key, opened from its transport seal.
    case recovered([UInt8])
    /// Deposit or delete went through.
    case done
    /// KE2 did not open with this password (or the id has no record); the client gives up.
    case wrongPassword(attemptsRemaining: UInt8)
    /// The device refused at LoginStart or LoginFinish.
    case refused(VaultStatus)
}

/// Something that carries vault requests to a device: the vault itself, or the chip's USB side.
protocol VaultLink {
    func exchange(_ request: VaultRequest, channel: UInt32) throws -> VaultReply
}

extension Vault: VaultLink {
    func exchange(_ request: VaultRequest, channel: UInt32) throws -> VaultReply { handle(request, channel: channel) }
}

struct TestClient {
    let client = OPAQUEClient(suite: testSuite, context: VaultOPAQUE.context)
    let random: SeededEntropy

    init(seed: UInt64) { random = SeededEntropy(seed: seed) }

    /// A blind that is a valid scalar (redrawn in the rare case it is not).
    private func blind() -> SecretBytes {
        while true {
            let candidate = random.randomBytes(32)
            if (try? testSuite.group.deserializeScalar(candidate)) != nil { return SecretBytes(candidate) }
        }
    }

    /// RegisterStart + RegisterFinish; the status of the first step that is not ok, or the limit.
    func register(_ vault: some VaultLink, id: [UInt8], password: [UInt8], limit: UInt8 = 0) throws -> VaultReply {
        let (request, state) = try client.createRegistrationRequest(password: SecretBytes(password), blind: blind())
        let start = try vault.exchange(
            .registerStart(
                RegisterStartRequest(credentialID: id, attemptLimit: limit, registrationRequest: request.serialize())),
            channel: 9)
        guard start.status == .ok else { return start }
        let response = try RegistrationResponse.deserialize(
            RegisterStartResponse(decoding: start.body).registrationResponse, suite: testSuite)
        let result = try client.finalizeRegistrationRequest(
            state: state, response: response, envelopeNonce: random.randomBytes(32))
        return try vault.exchange(
            .registerFinish(
                RegisterFinishRequest(credentialID: id, registrationRecord: result.record.serialize())),
            channel: 9)
    }

    /// LoginStart; the KE2 reply and the client state, or the refusal.
    func start(_ vault: some VaultLink, id: [UInt8], password: [UInt8], channel: UInt32)
        throws -> (reply: VaultReply, state: ClientLoginState<P256SHA256Suite>)
    {
        let (ke1, state) = try client.generateKE1(
            password: SecretBytes(password), blind: blind(), clientNonce: random.randomBytes(32),
            clientKeyshareSeed: SecretBytes(random.randomBytes(32)))
        let reply = try vault.exchange(
            .loginStart(LoginStartRequest(credentialID: id, ke1: ke1.serialize())), channel: channel)
        return (reply, state)
    }

    /// A whole login with `intent` (and `backupKey` for a deposit).
    func login(
        _ vault: some VaultLink, id: [UInt8], password: [UInt8], intent: LoginIntent, backupKey: [UInt8] = [],
        channel: UInt32 = 1
    ) throws -> LoginOutcome {
        let (reply, state) = try start(vault, id: id, password: password, channel: channel)
        return try finish(
            vault, started: reply, state: state, id: id, intent: intent, backupKey: backupKey, channel: channel)
    }

    /// What follows a LoginStart: open KE2, send KE3 with `intent`, open a recovered key.
    func finish(
        _ vault: some VaultLink, started reply: VaultReply, state: ClientLoginState<P256SHA256Suite>, id: [UInt8],
        intent: LoginIntent, backupKey: [UInt8] = [], channel: UInt32 = 1
    ) throws -> LoginOutcome {
        guard reply.status == .ok else { return .refused(reply.status) }
        let started = try LoginStartResponse(decoding: reply.body)
        let ke2 = try KE2.deserialize(started.ke2, suite: testSuite)
        guard let result = try? client.generateKE3(state: state, ke2: ke2) else {
            return .wrongPassword(attemptsRemaining: started.attemptsRemaining)
        }
        var sealed: [UInt8] = []
        if intent == .deposit {
            let key = try HKDF<SHA256>.deriveKey(
                ikm: result.sessionKey.bytes, salt: [], info: KeyTransport.depositKeyInfo(credentialID: id), length: 32)
            sealed = try AESGCM.seal(
                backupKey, key: SecretBytes(key), nonce: KeyTransport.nonce, aad: KeyTransport.depositAAD)
        }
        let finish = try vault.exchange(
            finishRequest(result, id: id, intent: intent, sealedKey: sealed), channel: channel)
        guard finish.status == .ok else { return .refused(finish.status) }
        let body = try LoginFinishResponse(decoding: finish.body)
        guard SessionBinding.verifies(body, sessionKey: result.sessionKey, credentialID: id, intent: intent) else {
            return .refused(.requestNotAuthenticated)
        }
        guard intent == .recover else { return .done }
        let key = try HKDF<SHA256>.deriveKey(
            ikm: result.sessionKey.bytes, salt: [], info: KeyTransport.recoverKeyInfo(credentialID: id), length: 32)
        return .recovered(
            try AESGCM.open(
                body.sealedKey, key: SecretBytes(key), nonce: KeyTransport.nonce, aad: KeyTransport.recoverAAD))
    }

    /// The LoginFinish a client sends after `result`, bound to its session.
    func finishRequest(
        _ result: ClientLoginResult<P256SHA256Suite>, id: [UInt8], intent: LoginIntent, sealedKey: [UInt8] = []
    ) -> VaultRequest {
        let tag = SessionBinding.requestTag(
            sessionKey: result.sessionKey, credentialID: id, intent: intent, sealedKey: sealedKey)
        return .loginFinish(
            LoginFinishRequest(ke3: result.ke3.serialize(), intent: intent, sealedKey: sealedKey, binding: tag))
    }

    /// Register then deposit `backupKey`: the normal enrolment.
    func enrol(_ vault: some VaultLink, id: [UInt8], password: [UInt8], backupKey: [UInt8], limit: UInt8 = 0) throws {
        try expectOK(register(vault, id: id, password: password, limit: limit))
        let outcome = try login(vault, id: id, password: password, intent: .deposit, backupKey: backupKey)
        guard outcome == .done else { throw UnexpectedOutcome(outcome: outcome) }
    }
}

struct UnexpectedOutcome: Error {
    let outcome: LoginOutcome
}
