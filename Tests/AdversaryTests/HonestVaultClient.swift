import CTAPHID
import CofferCrypto
import CofferProtocol
import OPAQUE

/// A vault status other than ok, for the operation that got it.
struct DeviceRefusal: Error, Equatable {
    let operation: VaultOperation
    let status: VaultStatus
}

/// The client refused the device's answer: its KE2 did not verify (a wrong password, or an answer
/// changed on the way), or its sealed key did not open.
enum ClientRefusal: Error, Equatable {
    case ke2(OPAQUEError)
    case sealedKey
}

/// What one honest client made the device count, so the device's counters can be checked exactly.
struct ClientTally: Sendable, Equatable {
    /// LoginStarts answered ok: each raised the record's attempt counter by exactly one.
    var loginsStarted: UInt32 = 0
    /// Writes of the record's slot: RegisterFinish and every LoginFinish whose KE3 verified.
    var slotWrites: UInt32 = 0
    /// Logins begun again because the device had dropped the pending one (pending-login table full,
    /// or the channel evicted); each one's attempt stays counted.
    var restartedLogins = 0
    /// Registrations evicted from the device's table before their RegisterFinish, begun again.
    var restartedRegistrations = 0
}

/// An honest vault client: full OPAQUE registration, deposit and recover over a `PatientChannel`,
/// with every random choice from a seed and Identity key stretching (the device cannot tell, and
/// the tests stay fast). It keeps the secrets it derived so that tests can look for them where
/// they must not be.
final class HonestVaultClient {
    let channel: PatientChannel
    let credentialID: [UInt8]
    let password: SecretBytes
    private var generator: SeededGenerator
    private let opaque = OPAQUEClient(suite: P256SHA256Suite(keyStretching: .identity), context: VaultOPAQUE.context)
    private(set) var tally = ClientTally()
    /// `attemptsRemaining` of the last LoginStart answered ok.
    private(set) var lastAttemptsRemaining: UInt8?
    /// Every secret this client derived or held, by name: export keys, session keys, transport keys.
    private(set) var derivedSecrets: [(name: String, bytes: [UInt8])] = []
    /// How many times a login may be begun again before the client gives up.
    static let maximumRestarts = 200

    init(channel: PatientChannel, credentialID: [UInt8], password: SecretBytes, generator: SeededGenerator) {
        self.channel = channel
        self.credentialID = credentialID
        self.password = password
        self.generator = generator
    }

    /// Sends one vault request and decodes the reply (any status).
    func send(_ request: VaultRequest, resumable: Bool = true) throws -> VaultReply {
        let command = CTAPHIDCommand(rawValue: request.operation.rawValue)
        return try VaultReply(decoding: channel.exchange(command, request.encodedPayload(), resumable: resumable))
    }

    /// The body of an ok reply; any other status is thrown as a `DeviceRefusal`.
    func call(_ request: VaultRequest) throws -> [UInt8] {
        let reply = try send(request)
        guard reply.status == .ok else { throw DeviceRefusal(operation: request.operation, status: reply.status) }
        return reply.body
    }

    /// OPAQUE registration with `attemptLimit` guesses (0: the device's default), then a login
    /// that deposits `backupKey` (none when nil).
    /// A registration the device dropped before its RegisterFinish arrived (its table of pending
    /// registrations is bounded, oldest evicted) is begun again (bounded).
    func register(backupKey: SecretBytes?, attemptLimit: UInt8) throws {
        for attempt in 0...Self.maximumRestarts {
            let (request, state) = try opaque.createRegistrationRequest(password: password, blind: blind())
            let started = try RegisterStartResponse(decoding: call(
                .registerStart(RegisterStartRequest(
                    credentialID: credentialID, attemptLimit: attemptLimit, registrationRequest: request.serialize()))))
            let response = try RegistrationResponse.deserialize(started.registrationResponse, suite: opaque.suite)
            let result = try opaque.finalizeRegistrationRequest(
                state: state, response: response, envelopeNonce: generator.bytes(OPAQUELengths.nonce))
            derivedSecrets.append(("registration export key", result.exportKey.bytes))
            derivedSecrets.append(("registration randomized password", result.randomizedPassword.bytes))
            let finished = try send(.registerFinish(RegisterFinishRequest(
                credentialID: credentialID, registrationRecord: result.record.serialize())))
            if finished.status == .noPendingRegistration, attempt < Self.maximumRestarts {
                tally.restartedRegistrations += 1
                continue
            }
            guard finished.status == .ok else {
                throw DeviceRefusal(operation: .registerFinish, status: finished.status)
            }
            tally.slotWrites += 1
            if let backupKey { try deposit(backupKey) }
            return
        }
    }

    /// A login that deposits `backupKey` sealed under the session's deposit key.
    func deposit(_ backupKey: SecretBytes) throws {
        _ = try login(intent: .deposit) { sessionKey in
            let info = KeyTransport.depositKeyInfo(credentialID: self.credentialID)
            let key = try self.transportKey(sessionKey, info: info)
            self.derivedSecrets.append(("deposit transport key", key.bytes))
            return try AESGCM.seal(backupKey.bytes, key: key, nonce: KeyTransport.nonce, aad: KeyTransport.depositAAD)
        }
    }

    /// A login that deletes the record.
    func delete() throws {
        _ = try login(intent: .delete) { _ in [] }
    }

    /// A login that recovers the backup key.
    func recover() throws -> SecretBytes {
        var key: SecretBytes?
        let reply = try login(intent: .recover) { sessionKey in
            key = try self.transportKey(sessionKey, info: KeyTransport.recoverKeyInfo(credentialID: self.credentialID))
            self.derivedSecrets.append(("recover transport key", key!.bytes))
            return []
        }
        guard let key, let opened = try? AESGCM.open(
            reply.sealedKey, key: key, nonce: KeyTransport.nonce, aad: KeyTransport.recoverAAD),
            opened.count == VaultLimits.backupKeyLength
        else { throw ClientRefusal.sealedKey }
        return SecretBytes(opened)
    }

    /// LoginStart, KE3, LoginFinish with `intent` and what `seal` makes of the session key. A login
    /// the device dropped before its KE3 arrived is begun again (bounded).
    func login(intent: LoginIntent, seal: (SecretBytes) throws -> [UInt8]) throws -> LoginFinishResponse {
        for _ in 0...Self.maximumRestarts {
            let (ke1, state) = try opaque.generateKE1(
                password: password, blind: blind(), clientNonce: generator.bytes(OPAQUELengths.nonce),
                clientKeyshareSeed: SecretBytes(generator.bytes(OPAQUELengths.seed)))
            let started = try LoginStartResponse(decoding: call(
                .loginStart(LoginStartRequest(credentialID: credentialID, ke1: ke1.serialize()))))
            tally.loginsStarted += 1
            lastAttemptsRemaining = started.attemptsRemaining
            let result: ClientLoginResult<P256SHA256Suite>
            do {
                result = try opaque.generateKE3(state: state, ke2: KE2.deserialize(started.ke2, suite: opaque.suite))
            } catch {
                throw ClientRefusal.ke2(error)
            }
            derivedSecrets.append(("login session key", result.sessionKey.bytes))
            derivedSecrets.append(("login export key", result.exportKey.bytes))
            derivedSecrets.append(("login randomized password", result.randomizedPassword.bytes))
            let sealed = try seal(result.sessionKey)
            let binding = SessionBinding.requestTag(
                sessionKey: result.sessionKey, credentialID: credentialID, intent: intent, sealedKey: sealed)
            let finish = LoginFinishRequest(
                ke3: result.ke3.serialize(), intent: intent, sealedKey: sealed, binding: binding)
            let reply: VaultReply
            do {
                reply = try send(.loginFinish(finish), resumable: false)
            } catch ExchangeFailure.channelLost {
                tally.restartedLogins += 1
                continue
            }
            switch reply.status {
            case .noPendingLogin:
                tally.restartedLogins += 1
                continue
            case .ok:
                tally.slotWrites += 1
                return try LoginFinishResponse(decoding: reply.body)
            case .sealedKeyRejected, .keyAlreadyDeposited, .noKeyDeposited, .requestNotAuthenticated:
                // The KE3 verified, so the record was re-based (written) before the intent failed.
                tally.slotWrites += 1
                throw DeviceRefusal(operation: .loginFinish, status: reply.status)
            default:
                throw DeviceRefusal(operation: .loginFinish, status: reply.status)
            }
        }
        throw ExchangeFailure.noReply("a login that the device kept dropping")
    }

    /// A blind that is a valid scalar (uniform bytes, drawn again in the rare case they are not).
    private func blind() -> SecretBytes {
        while true {
            let candidate = SecretBytes(generator.bytes(opaque.suite.group.scalarLength))
            if (try? opaque.suite.group.deserializeScalar(candidate.bytes)) != nil { return candidate }
        }
    }

    private func transportKey(_ sessionKey: SecretBytes, info: [UInt8]) throws -> SecretBytes {
        SecretBytes(try HKDF<SHA256>.deriveKey(ikm: sessionKey.bytes, salt: [], info: info, length: 32))
    }
}
