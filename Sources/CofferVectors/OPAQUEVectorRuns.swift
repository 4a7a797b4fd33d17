import CofferCrypto
import OPAQUE

extension OPAQUEVectors {
    /// A full run: registration, then a login, comparing each value as the protocol produces it.
    /// Messages cross between the sides as bytes, so parsing is exercised as on a wire.
    static func checkReal<Suite: OPAQUECiphersuite>(_ entry: Entry, suite: Suite) throws(VectorMismatch) {
        let inputs = entry.inputs
        let server = try server(entry, suite: suite)
        let client = OPAQUEClient(suite: suite, context: entry.context)
        let password = SecretBytes(try inputs.hex("password"))
        let credentialIdentifier = try inputs.hex("credential_identifier")
        let clientIdentity = try inputs.optionalHex("client_identity")
        let serverIdentity = try inputs.optionalHex("server_identity")

        // Registration.
        let (request, registrationState) = try produce("registration_request") {
            try client.createRegistrationRequest(password: password, blind: SecretBytes(try inputs.hex("blind_registration")))
        }
        try entry.expect("registration_request", request.serialize())
        let oprfKey = try produce("oprf_key") {
            try server.oprfKey(credentialIdentifier: credentialIdentifier)
        }
        try entry.expect("oprf_key", suite.group.serialize(oprfKey))
        let response = try produce("registration_response") {
            try server.createRegistrationResponse(
                request: try RegistrationRequest.deserialize(request.serialize(), suite: suite),
                credentialIdentifier: credentialIdentifier)
        }
        try entry.expect("registration_response", response.serialize())
        let registration = try produce("randomized_password") {
            try client.finalizeRegistrationRequest(
                state: registrationState, response: try RegistrationResponse.deserialize(response.serialize(), suite: suite),
                serverIdentity: serverIdentity, clientIdentity: clientIdentity,
                envelopeNonce: try inputs.hex("envelope_nonce"))
        }
        try entry.expect("randomized_password", registration.randomizedPassword)
        try entry.expect("masking_key", registration.record.maskingKey)
        try entry.expect("auth_key", registration.authKey)
        try entry.expect("client_public_key", registration.record.clientPublicKey)
        try entry.expect("envelope", registration.record.envelope.serialize())
        try entry.expect("registration_upload", registration.record.serialize())
        let registrationExportKey = registration.exportKey

        // Login.
        let (ke1, loginState) = try produce("KE1") {
            try client.generateKE1(password: password, blind: SecretBytes(try inputs.hex("blind_login")),
                                   clientNonce: try inputs.hex("client_nonce"),
                                   clientKeyshareSeed: SecretBytes(try inputs.hex("client_keyshare_seed")))
        }
        try entry.expect("KE1", ke1.serialize())
        let (ke2, serverState) = try produce("KE2") {
            try server.generateKE2(
                ke1: try KE1.deserialize(ke1.serialize(), suite: suite),
                record: try RegistrationRecord.deserialize(registration.record.serialize(), suite: suite),
                credentialIdentifier: credentialIdentifier, clientIdentity: clientIdentity,
                maskingNonce: try inputs.hex("masking_nonce"), serverNonce: try inputs.hex("server_nonce"),
                serverKeyshareSeed: SecretBytes(try inputs.hex("server_keyshare_seed")))
        }
        try entry.expect("handshake_secret", serverState.handshakeSecret)
        try entry.expect("server_mac_key", serverState.serverMACKey)
        try entry.expect("client_mac_key", serverState.clientMACKey)
        try entry.expect("KE2", ke2.serialize())
        let login = try produce("KE3") {
            try client.generateKE3(state: loginState, ke2: try KE2.deserialize(ke2.serialize(), suite: suite),
                                   serverIdentity: serverIdentity, clientIdentity: clientIdentity)
        }
        // The client must arrive at the same keys as the server.
        try entry.expect("handshake_secret", login.keys.handshakeSecret)
        try entry.expect("server_mac_key", login.keys.serverMACKey)
        try entry.expect("client_mac_key", login.keys.clientMACKey)
        try entry.expect("KE3", login.ke3.serialize())
        try entry.expect("export_key", login.exportKey)
        guard login.exportKey == registrationExportKey else {
            throw VectorMismatch(field: "export_key", reason: "login and registration export keys differ")
        }
        try entry.expect("session_key", login.sessionKey)
        let serverSessionKey = try produce("session_key") {
            try server.finish(state: serverState, ke3: try KE3.deserialize(login.ke3.serialize(), suite: suite))
        }
        try entry.expect("session_key", serverSessionKey)
    }

    /// The server's answer to an unknown credential: KE2 from a fake record built from the given
    /// client key and masking key.
    static func checkFake<Suite: OPAQUECiphersuite>(_ entry: Entry, suite: Suite) throws(VectorMismatch) {
        let inputs = entry.inputs
        let server = try server(entry, suite: suite)
        let clientPublicKey = try inputs.hex("client_public_key")
        if inputs.has("client_private_key") {
            let clientKeyPair = try produce("client_public_key") {
                try OPAQUEKeyPair(privateKey: SecretBytes(try inputs.hex("client_private_key")), suite: suite)
            }
            try JSONFields.compare("client_public_key", expected: clientPublicKey, actual: clientKeyPair.publicKey)
        }
        let record = try produce("masking_key") {
            try RegistrationRecord.fake(clientPublicKey: clientPublicKey,
                                        maskingKey: SecretBytes(try inputs.hex("masking_key")), suite: suite)
        }
        let ke1 = try produce("KE1") { try KE1.deserialize(try inputs.hex("KE1"), suite: suite) }
        let (ke2, _) = try produce("KE2") {
            try server.generateKE2(
                ke1: ke1, record: record, credentialIdentifier: try inputs.hex("credential_identifier"),
                clientIdentity: try inputs.optionalHex("client_identity"), maskingNonce: try inputs.hex("masking_nonce"),
                serverNonce: try inputs.hex("server_nonce"),
                serverKeyshareSeed: SecretBytes(try inputs.hex("server_keyshare_seed")))
        }
        try entry.expect("KE2", ke2.serialize())
    }
}
