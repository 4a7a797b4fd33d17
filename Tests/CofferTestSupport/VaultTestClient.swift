import CTAPHID
import CofferCrypto
import CofferProtocol
import OPAQUE

/// What a login came to, as the client sees it.
public enum LoginOutcome: Equatable, Sendable {
    /// Recover: the backup key, opened from its transport seal.
    case recovered([UInt8])
    /// Deposit or delete went through.
    case done
    /// KE2 did not open with this password (or the id has no record); the client sent no KE3.
    case wrongPassword(attemptsRemaining: UInt8)
    /// The device refused at LoginStart or LoginFinish.
    case refused(VaultStatus)
    /// The device said ok, but the reply's session binding did not verify (a relay made it up).
    case replyNotAuthenticated
}

/// The device answered a request with a status other than ok.
public struct VaultRefusal: Error, Equatable, CustomStringConvertible {
    /// The refused operation.
    public let operation: VaultOperation
    /// The device's status.
    public let status: VaultStatus
    public var description: String { "\(operation) refused: \(status)" }

    /// A refusal of `operation` with `status`.
    public init(operation: VaultOperation, status: VaultStatus) {
        self.operation = operation
        self.status = status
    }
}

/// A vault client, over CTAPHID on one channel or straight into an in-process vault, with fixed
/// blinds and nonces (the device's randomness comes from its seed), so runs repeat exactly. No key
/// stretching: the device cannot tell, and the tests stay fast.
public struct VaultTestClient {
    /// The CTAPHID host it talks through; nil for an in-process link.
    public let host: CTAPHIDTestHost?
    /// The channel it opened (0 for an in-process link).
    public let channel: CTAPHIDChannelID
    /// The OPAQUE suite, with the Identity KSF.
    public let suite = P256SHA256Suite(keyStretching: .identity)
    /// The password `register` and logins use unless told otherwise.
    public let password: SecretBytes
    private let link: (VaultRequest) throws -> VaultReply

    /// The default password of every test client.
    public static let defaultPassword = Array("correct horse battery staple".utf8)

    var opaque: OPAQUEClient<P256SHA256Suite> { OPAQUEClient(suite: suite, context: VaultOPAQUE.context) }

    /// Opens a channel on `host`.
    public init(host: CTAPHIDTestHost, password: [UInt8] = VaultTestClient.defaultPassword) throws {
        let channel = try host.openChannel().channel
        self.host = host
        self.channel = channel
        self.password = SecretBytes(password)
        link = { request in
            let command = CTAPHIDCommand(rawValue: request.operation.rawValue)
            return try VaultReply(decoding: host.exchange(channel, command, request.encodedPayload()))
        }
    }

    /// A client whose requests go to `link` (an in-process vault on a channel of the caller's choice).
    public init(
        password: [UInt8] = VaultTestClient.defaultPassword, link: @escaping (VaultRequest) throws -> VaultReply
    ) {
        host = nil
        channel = CTAPHIDChannelID(rawValue: 0)
        self.password = SecretBytes(password)
        self.link = link
    }

    /// Sends one vault request; the reply.
    public func send(_ request: VaultRequest) throws -> VaultReply {
        try link(request)
    }

    /// Sends one request; its body, or `VaultRefusal` when the status is not ok.
    public func expectOK(_ request: VaultRequest) throws -> [UInt8] {
        let reply = try send(request)
        guard reply.status == .ok else { throw VaultRefusal(operation: request.operation, status: reply.status) }
        return reply.body
    }

    /// Sends one vault request over CTAPHID without waiting for an answer (the device is about to
    /// lose power).
    public func sendOnly(_ request: VaultRequest) throws {
        guard let host else { preconditionFailure("sendOnly needs a CTAPHID link") }
        let command = CTAPHIDCommand(rawValue: request.operation.rawValue)
        let exchange = try CTAPHIDHostTransaction(
            channel: channel, command: command, payload: request.encodedPayload())
        for report in exchange.requestReports { host.send(report) }
    }

    // MARK: Registration

    /// The RegisterStart request for `credentialID` asking for `attemptLimit` guesses (0: the device
    /// default), and the state `registerFinish` needs.
    public func registerStart(_ credentialID: [UInt8], attemptLimit: UInt8 = 0, password: [UInt8]? = nil) throws
        -> (request: VaultRequest, state: ClientRegistrationState<P256SHA256Suite>)
    {
        let (request, state) = try opaque.createRegistrationRequest(password: secret(password), blind: blind)
        let message = RegisterStartRequest(
            credentialID: credentialID, attemptLimit: attemptLimit, registrationRequest: request.serialize())
        return (.registerStart(message), state)
    }

    /// The RegisterFinish request that follows a RegisterStart answered with `body`.
    public func registerFinish(
        _ credentialID: [UInt8], state: ClientRegistrationState<P256SHA256Suite>, startBody body: [UInt8]
    ) throws -> VaultRequest {
        let response = try RegistrationResponse<P256SHA256Suite>.deserialize(
            RegisterStartResponse(decoding: body).registrationResponse, suite: suite)
        let result = try opaque.finalizeRegistrationRequest(
            state: state, response: response, envelopeNonce: [UInt8](repeating: 0x5E, count: 32))
        return .registerFinish(
            RegisterFinishRequest(credentialID: credentialID, registrationRecord: result.record.serialize()))
    }

    /// Registers `credentialID` with `attemptLimit` guesses (0: the device default); the limit applied.
    @discardableResult
    public func register(_ credentialID: [UInt8], attemptLimit: UInt8, password: [UInt8]? = nil) throws -> UInt8 {
        let (start, state) = try registerStart(credentialID, attemptLimit: attemptLimit, password: password)
        let body = try expectOK(start)
        let finish = try registerFinish(credentialID, state: state, startBody: body)
        return try RegisterFinishResponse(decoding: expectOK(finish)).attemptLimit
    }

    // MARK: Logins

    /// A LoginStart request for `credentialID` and the client state that opens its KE2.
    public func loginStartRequest(_ credentialID: [UInt8], password: [UInt8]? = nil) throws
        -> (request: VaultRequest, state: ClientLoginState<P256SHA256Suite>)
    {
        let (ke1, state) = try opaque.generateKE1(
            password: secret(password), blind: blind, clientNonce: [UInt8](repeating: 0x11, count: 32),
            clientKeyshareSeed: SecretBytes([UInt8](repeating: 0x22, count: 32)))
        return (.loginStart(LoginStartRequest(credentialID: credentialID, ke1: ke1.serialize())), state)
    }

    /// A LoginStart request for `credentialID`.
    public func loginStart(_ credentialID: [UInt8], password: [UInt8]? = nil) throws -> VaultRequest {
        try loginStartRequest(credentialID, password: password).request
    }

    /// Starts a login; the attempts the device says remain after it.
    public func startLogin(_ credentialID: [UInt8], password: [UInt8]? = nil) throws -> UInt8 {
        try LoginStartResponse(decoding: expectOK(loginStart(credentialID, password: password))).attemptsRemaining
    }

    /// A whole login with `intent` (and `backupKey` for a deposit): LoginStart, then LoginFinish with a
    /// KE3 when KE2 opens under the password. `onLoginStartAnswered` runs once KE2 has come back.
    public func login(
        _ credentialID: [UInt8], intent: LoginIntent, backupKey: [UInt8] = [], password: [UInt8]? = nil,
        onLoginStartAnswered: () -> Void = {}
    ) throws -> LoginOutcome {
        let (request, state) = try loginStartRequest(credentialID, password: password)
        let reply = try send(request)
        guard reply.status == .ok else { return .refused(reply.status) }
        onLoginStartAnswered()
        return try finishLogin(credentialID, started: reply, state: state, intent: intent, backupKey: backupKey)
    }

    /// What follows a LoginStart answered with `reply`: open KE2 with `state`, send KE3 with `intent`,
    /// open a recovered key.
    public func finishLogin(
        _ credentialID: [UInt8], started reply: VaultReply, state: ClientLoginState<P256SHA256Suite>,
        intent: LoginIntent, backupKey: [UInt8] = []
    ) throws -> LoginOutcome {
        guard reply.status == .ok else { return .refused(reply.status) }
        let started = try LoginStartResponse(decoding: reply.body)
        guard let session = try? opaque.generateKE3(state: state, ke2: KE2.deserialize(started.ke2, suite: suite))
        else { return .wrongPassword(attemptsRemaining: started.attemptsRemaining) }
        let transport = KeyTransportKeys(sessionKey: session.sessionKey, credentialID: credentialID)
        let sealed = intent == .deposit ? try transport.sealDeposit(backupKey) : []
        let tag = SessionBinding.requestTag(
            sessionKey: session.sessionKey, credentialID: credentialID, intent: intent, sealedKey: sealed)
        let finish = try send(
            .loginFinish(LoginFinishRequest(ke3: session.ke3.serialize(), intent: intent, sealedKey: sealed, binding: tag)))
        guard finish.status == .ok else { return .refused(finish.status) }
        let reply = try LoginFinishResponse(decoding: finish.body)
        guard SessionBinding.verifies(reply, sessionKey: session.sessionKey, credentialID: credentialID, intent: intent)
        else { return .replyNotAuthenticated }
        guard intent == .recover else { return .done }
        return .recovered(try transport.openRecovered(reply.sealedKey))
    }

    /// Deposits `backupKey` under `credentialID` (right after registration).
    public func deposit(_ credentialID: [UInt8], backupKey: [UInt8], password: [UInt8]? = nil) throws -> LoginOutcome {
        try login(credentialID, intent: .deposit, backupKey: backupKey, password: password)
    }

    /// Recovers the key deposited under `credentialID`.
    public func recover(_ credentialID: [UInt8], password: [UInt8]? = nil) throws -> LoginOutcome {
        try login(credentialID, intent: .recover, password: password)
    }

    /// Deletes the record of `credentialID`.
    public func delete(_ credentialID: [UInt8], password: [UInt8]? = nil) throws -> LoginOutcome {
        try login(credentialID, intent: .delete, password: password)
    }

    // MARK: Information and operator commands

    /// GetInfo.
    public func info() throws -> GetInfoResponse {
        try GetInfoResponse(decoding: expectOK(.getInfo))
    }

    /// Counters of `count` slots from `firstSlot`.
    public func counters(firstSlot: UInt16 = 0, count: UInt16 = 128) throws -> CountersResponse {
        try CountersResponse(decoding: expectOK(.counters(CountersRequest(firstSlot: firstSlot, count: count))))
    }

    /// Manufacture with `serial`; the status.
    public func manufacture(serial: UInt64) throws -> VaultStatus {
        try send(.manufacture(ManufactureRequest(serial: serial))).status
    }

    /// Provision with `defaultAttemptLimit` and `maxAttemptLimit` (nil: the larger of the default and
    /// `VaultLimits.defaultMaxAttemptLimit`); the status.
    public func provision(defaultAttemptLimit: UInt8, maxAttemptLimit: UInt8? = nil) throws -> VaultStatus {
        let most = maxAttemptLimit ?? max(defaultAttemptLimit, VaultLimits.defaultMaxAttemptLimit)
        return try send(.provision(ProvisionRequest(defaultAttemptLimit: defaultAttemptLimit, maxAttemptLimit: most)))
            .status
    }

    /// Zeroize, confirmed with `serial`; the status.
    public func zeroize(serial: UInt64) throws -> VaultStatus {
        try send(.zeroize(ZeroizeRequest(serial: serial))).status
    }

    private func secret(_ password: [UInt8]?) -> SecretBytes {
        password.map(SecretBytes.init) ?? self.password
    }

    /// A fixed valid scalar (well below the P-256 order).
    private var blind: SecretBytes { SecretBytes([UInt8](repeating: 0, count: 31) + [7]) }
}

/// The two one-message keys of PROTOCOL.md §5, derived from a login's session key.
struct KeyTransportKeys {
    let sessionKey: SecretBytes
    let credentialID: [UInt8]

    func sealDeposit(_ backupKey: [UInt8]) throws -> [UInt8] {
        let key = try HKDF<SHA256>.deriveKey(
            ikm: sessionKey.bytes, salt: [], info: KeyTransport.depositKeyInfo(credentialID: credentialID), length: 32)
        return try AESGCM.seal(
            backupKey, key: SecretBytes(key), nonce: KeyTransport.nonce, aad: KeyTransport.depositAAD)
    }

    func openRecovered(_ sealed: [UInt8]) throws -> [UInt8] {
        let key = try HKDF<SHA256>.deriveKey(
            ikm: sessionKey.bytes, salt: [], info: KeyTransport.recoverKeyInfo(credentialID: credentialID), length: 32)
        return try AESGCM.open(sealed, key: SecretBytes(key), nonce: KeyTransport.nonce, aad: KeyTransport.recoverAAD)
    }
}
