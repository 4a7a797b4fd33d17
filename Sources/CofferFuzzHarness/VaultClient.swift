import CofferCrypto
import CofferMemoryChip
import CofferProtocol
import OPAQUE

/// A vault client for building fuzz inputs and starting states: OPAQUE with the Identity KSF (scrypt
/// would only slow the fuzzer down; the KSF runs on the client alone) and seeded randomness, so that
/// the same calls on the same device produce the same bytes. It talks through `exchange`, which
/// carries one request to the device and brings back its reply.
struct VaultClient {
    static let suite = P256SHA256Suite(keyStretching: .identity)
    private let client = OPAQUEClient(suite: VaultClient.suite, context: VaultOPAQUE.context)
    private let random: SeededEntropy
    let exchange: (VaultRequest) -> VaultReply

    init(seed: UInt64, exchange: @escaping (VaultRequest) -> VaultReply) {
        random = SeededEntropy(seed: seed)
        self.exchange = exchange
    }

    /// RegisterStart then RegisterFinish; the first reply that is not ok, or the last.
    @discardableResult
    func register(id: [UInt8], password: [UInt8], limit: UInt8) -> VaultReply {
        let (request, state) = must { () throws(OPAQUEError) in
            try client.createRegistrationRequest(password: SecretBytes(password), blind: blind())
        }
        let started = exchange(.registerStart(RegisterStartRequest(credentialID: id, attemptLimit: limit,
                                                                   registrationRequest: request.serialize())))
        guard started.status == .ok else { return started }
        let record = must { () throws(OPAQUEError) in
            let body = try? RegisterStartResponse(decoding: started.body)
            let response = try RegistrationResponse.deserialize(body?.registrationResponse ?? [], suite: Self.suite)
            return try client.finalizeRegistrationRequest(state: state, response: response,
                                                          envelopeNonce: random.randomBytes(32)).record.serialize()
        }
        return exchange(.registerFinish(RegisterFinishRequest(credentialID: id, registrationRecord: record)))
    }

    /// A whole login with `intent` (and `backupKey` for a deposit); the first reply that is not ok, or
    /// the last. A wrong password stops after LoginStart, as a client that cannot open KE2 does, unless
    /// `finishAnyway` sends a KE3 of zeros to the device.
    @discardableResult
    func login(id: [UInt8], password: [UInt8], intent: LoginIntent, backupKey: [UInt8] = [],
               finishAnyway: Bool = false) -> VaultReply {
        let (ke1, state) = must { () throws(OPAQUEError) in
            try client.generateKE1(password: SecretBytes(password), blind: blind(), clientNonce: random.randomBytes(32),
                                   clientKeyshareSeed: SecretBytes(random.randomBytes(32)))
        }
        let started = exchange(.loginStart(LoginStartRequest(credentialID: id, ke1: ke1.serialize())))
        guard started.status == .ok, let body = try? LoginStartResponse(decoding: started.body) else { return started }
        let result: ClientLoginResult<P256SHA256Suite>?
        do {
            result = try client.generateKE3(state: state, ke2: KE2.deserialize(body.ke2, suite: Self.suite))
        } catch {
            result = nil
        }
        guard let result else {
            guard finishAnyway else { return started }
            let zeros = [UInt8](repeating: 0, count: 32)
            return exchange(.loginFinish(LoginFinishRequest(ke3: zeros, intent: .recover, binding: zeros)))
        }
        var sealed: [UInt8] = []
        if intent == .deposit {
            sealed = must { () throws(CryptoError) in
                let key = try HKDF<SHA256>.deriveKey(ikm: result.sessionKey.bytes, salt: [],
                                                     info: KeyTransport.depositKeyInfo(credentialID: id), length: 32)
                return try AESGCM.seal(backupKey, key: SecretBytes(key), nonce: KeyTransport.nonce,
                                       aad: KeyTransport.depositAAD)
            }
        }
        let tag = SessionBinding.requestTag(
            sessionKey: result.sessionKey, credentialID: id, intent: intent, sealedKey: sealed)
        return exchange(.loginFinish(LoginFinishRequest(ke3: result.ke3.serialize(), intent: intent,
                                                        sealedKey: sealed, binding: tag)))
    }

    /// A blind that is a valid scalar (redrawn in the rare case it is not).
    private func blind() -> SecretBytes {
        while true {
            let candidate = random.randomBytes(32)
            if (try? Self.suite.group.deserializeScalar(candidate)) != nil {
                return SecretBytes(candidate)
            }
        }
    }
}

/// The result of work that cannot fail on inputs the harness makes itself; a failure is a bug here.
func must<T, E: Error>(_ work: () throws(E) -> T) -> T {
    do {
        return try work()
    } catch {
        fatalError("fuzz harness: building an input failed: \(error)")
    }
}
