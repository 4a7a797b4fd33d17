import CTAPHID
import CofferCrypto
import CofferProtocol
import OPAQUE
import Testing

/// Just enough of a vault client to register a record and start logins over CTAPHID, with fixed
/// blinds and nonces (the device's randomness comes from its seed). No key stretching: the device
/// cannot tell, and the tests stay fast.
struct VaultTestClient {
    let host: CTAPHIDTestHost
    let channel: CTAPHIDChannelID
    let suite = P256SHA256Suite(keyStretching: .identity)
    var opaque: OPAQUEClient<P256SHA256Suite> { OPAQUEClient(suite: suite, context: VaultOPAQUE.context) }
    let password = SecretBytes(Array("correct horse battery staple".utf8))

    init(host: CTAPHIDTestHost) throws {
        self.host = host
        channel = try host.openChannel().channel
    }

    /// Sends one vault request; the reply.
    func send(_ request: VaultRequest) throws -> VaultReply {
        let command = CTAPHIDCommand(rawValue: request.operation.rawValue)
        return try VaultReply(decoding: host.exchange(channel, command, request.encodedPayload()))
    }

    /// Sends one vault request without waiting for an answer (the device is about to lose power).
    func sendOnly(_ request: VaultRequest) throws {
        let command = CTAPHIDCommand(rawValue: request.operation.rawValue)
        let exchange = try CTAPHIDHostTransaction(channel: channel, command: command, payload: request.encodedPayload())
        for report in exchange.requestReports { host.send(report) }
    }

    /// Registers `credentialID` with `attemptLimit` guesses.
    func register(_ credentialID: [UInt8], attemptLimit: UInt8) throws {
        let (request, state) = try opaque.createRegistrationRequest(password: password, blind: blind)
        let start = try send(
            .registerStart(RegisterStartRequest(credentialID: credentialID, registrationRequest: request.serialize())))
        try #require(start.status == .ok)
        let response = try RegistrationResponse<P256SHA256Suite>.deserialize(
            RegisterStartResponse(decoding: start.body).registrationResponse, suite: suite)
        let result = try opaque.finalizeRegistrationRequest(
            state: state, response: response, envelopeNonce: [UInt8](repeating: 0x5E, count: 32))
        let finish = try send(
            .registerFinish(
                RegisterFinishRequest(
                    credentialID: credentialID, attemptLimit: attemptLimit,
                    registrationRecord: result.record.serialize())))
        try #require(finish.status == .ok)
    }

    /// A LoginStart request for `credentialID`.
    func loginStart(_ credentialID: [UInt8]) throws -> VaultRequest {
        let (ke1, _) = try opaque.generateKE1(
            password: password, blind: blind, clientNonce: [UInt8](repeating: 0x11, count: 32),
            clientKeyshareSeed: SecretBytes([UInt8](repeating: 0x22, count: 32)))
        return .loginStart(LoginStartRequest(credentialID: credentialID, ke1: ke1.serialize()))
    }

    /// Starts a login; the attempts the device says remain after it.
    func startLogin(_ credentialID: [UInt8]) throws -> UInt8 {
        let reply = try send(loginStart(credentialID))
        try #require(reply.status == .ok)
        return try LoginStartResponse(decoding: reply.body).attemptsRemaining
    }

    /// A fixed valid scalar (well below the P-256 order).
    private var blind: SecretBytes { SecretBytes([UInt8](repeating: 0, count: 31) + [7]) }
}
