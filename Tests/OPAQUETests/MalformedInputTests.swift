import CofferCrypto
import OPAQUE
import Testing

/// Bytes from the wire or the store that do not encode what they claim are refused with a typed
/// error, before any secret is touched.
@Suite("Malformed inputs")
struct MalformedInputTests {
    let group = P256()
    let suite = P256SHA256Suite(keyStretching: .identity)
    /// The field prime and the group order of P-256.
    let p = hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")
    let n = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
    let validPoint = hex("035f40ff9cf88aa1f5cd4fe5fd3da9ea65a4923a5594f84fd9f2092d6067784874")

    @Test("a valid compressed point round-trips")
    func validPointRoundTrips() throws {
        #expect(group.serialize(try group.deserializeElement(validPoint)) == validPoint)
    }

    @Test("element encodings of the wrong length are refused", arguments: [0, 1, 32, 34, 65])
    func wrongLengthElement(length: Int) {
        var bytes = [UInt8](repeating: 0, count: length)
        if length == 65 { bytes[0] = 0x04 } else if length > 0 { bytes[0] = 0x02 }
        #expect(throws: OPAQUEError.invalidLength) { try group.deserializeElement(bytes) }
    }

    @Test("the identity and non-compressed prefixes are refused", arguments: [0x00, 0x01, 0x04, 0x05, 0xff])
    func badPrefix(prefix: UInt8) {
        var bytes = validPoint
        bytes[0] = prefix
        #expect(throws: OPAQUEError.invalidElement) { try group.deserializeElement(bytes) }
    }

    @Test("an x coordinate with no point on the curve is refused")
    func offCurve() throws {
        // Half of all x have no y; find the first small one libcrypto refuses and check it is
        // refused for being off the curve (x itself is canonical).
        var found = false
        for x in UInt8(1)...UInt8(40) {
            let bytes = [0x02] + [UInt8](repeating: 0, count: 31) + [x]
            if (try? group.deserializeElement(bytes)) == nil {
                #expect(throws: OPAQUEError.invalidElement) { try group.deserializeElement(bytes) }
                found = true
                break
            }
        }
        #expect(found)
    }

    @Test("x = p and x = p + x0 for a valid x0 (non-canonical encodings) are refused")
    func nonCanonical() throws {
        #expect(throws: OPAQUEError.invalidElement) { try group.deserializeElement([0x02] + p) }
        // Find a small x0 that is on the curve, then encode x0 + p, which reduces to the same point.
        for x0 in UInt8(1)...UInt8(40) {
            let canonical = [0x02] + [UInt8](repeating: 0, count: 31) + [x0]
            guard (try? group.deserializeElement(canonical)) != nil else { continue }
            var shifted = p
            shifted[31] = shifted[31] &+ x0 // p ends in 0xff: carry into the byte before
            var carryIndex = 30
            if shifted[31] < x0 {
                while shifted[carryIndex] == 0xff { shifted[carryIndex] = 0; carryIndex -= 1 }
                shifted[carryIndex] += 1
            }
            #expect(throws: OPAQUEError.invalidElement) { try group.deserializeElement([0x02] + shifted) }
            return
        }
        Issue.record("no small x on the curve")
    }

    @Test("scalars that are zero, not below n, or of the wrong length are refused")
    func badScalars() throws {
        #expect(throws: OPAQUEError.invalidScalar) { try group.deserializeScalar([UInt8](repeating: 0, count: 32)) }
        #expect(throws: OPAQUEError.invalidScalar) { try group.deserializeScalar(n) }
        #expect(throws: OPAQUEError.invalidScalar) { try group.deserializeScalar([UInt8](repeating: 0xff, count: 32)) }
        #expect(throws: OPAQUEError.invalidLength) { try group.deserializeScalar([UInt8](repeating: 1, count: 31)) }
        #expect(throws: OPAQUEError.invalidLength) { try group.deserializeScalar([UInt8](repeating: 1, count: 33)) }
        var nMinusOne = n
        nMinusOne[31] -= 1
        #expect(group.serialize(try group.deserializeScalar(nMinusOne)) == nMinusOne)
    }

    @Test("zero is not invertible")
    func zeroInverse() throws {
        let zero = try P256HashToCurve.hashToScalar([], dst: Array("x".utf8))
        #expect(!group.isZero(zero))
        #expect(throws: OPAQUEError.invalidScalar) {
            try group.invert(try group.deserializeScalar([UInt8](repeating: 0, count: 32)))
        }
    }

    @Test("every message refuses one byte too few or too many")
    func truncatedAndExtendedMessages() throws {
        let scenario = VectorScenario()
        let record = try scenario.register()
        let (ke1, state) = try scenario.ke1()
        let (ke2, serverState) = try scenario.ke2(ke1, record: record)
        let ke3 = try scenario.client.generateKE3(state: state, ke2: ke2).ke3
        let request = try scenario.client.createRegistrationRequest(password: scenario.password,
                                                                    blind: scenario.blindRegistration).request
        let response = try scenario.server().createRegistrationResponse(
            request: request, credentialIdentifier: scenario.credentialIdentifier)
        let parsers: [(String, [UInt8], ([UInt8]) throws -> Void)] = [
            ("RegistrationRequest", request.serialize(), { _ = try RegistrationRequest.deserialize($0, suite: suite) }),
            ("RegistrationResponse", response.serialize(), { _ = try RegistrationResponse.deserialize($0, suite: suite) }),
            ("RegistrationRecord", record.serialize(), { _ = try RegistrationRecord.deserialize($0, suite: suite) }),
            ("KE1", ke1.serialize(), { _ = try KE1.deserialize($0, suite: suite) }),
            ("KE2", ke2.serialize(), { _ = try KE2.deserialize($0, suite: suite) }),
            ("KE3", ke3.serialize(), { _ = try KE3.deserialize($0, suite: suite) }),
        ]
        for (name, bytes, parse) in parsers {
            try parse(bytes)
            for wrong in [[], Array(bytes.dropLast()), bytes + [0]] {
                #expect(throws: OPAQUEError.invalidLength, "\(name) of \(wrong.count) bytes") { try parse(wrong) }
            }
        }
        _ = serverState
    }

    @Test("messages carrying an invalid element are refused on parsing")
    func invalidElementsInMessages() throws {
        let scenario = VectorScenario()
        let ke1 = try scenario.ke1().0.serialize()
        var badBlinded = ke1
        badBlinded[0] = 0x04
        #expect(throws: OPAQUEError.invalidElement) { try KE1.deserialize(badBlinded, suite: suite) }
        var badKeyshare = ke1
        badKeyshare.replaceSubrange(65..<98, with: [0x02] + p)
        #expect(throws: OPAQUEError.invalidElement) { try KE1.deserialize(badKeyshare, suite: suite) }
        var record = try scenario.register().serialize()
        record[0] = 0x00
        #expect(throws: OPAQUEError.invalidElement) { try RegistrationRecord.deserialize(record, suite: suite) }
        #expect(throws: OPAQUEError.invalidElement) { try RegistrationRequest.deserialize([0x03] + p, suite: suite) }
    }

    @Test("client and server refuse random inputs of the wrong size and bad blinds")
    func badRandomInputs() throws {
        let scenario = VectorScenario()
        let client = scenario.client
        let seed = scenario.clientKeyshareSeed
        #expect(throws: OPAQUEError.invalidScalar) {
            try client.generateKE1(password: scenario.password, blind: SecretBytes([UInt8](repeating: 0, count: 32)),
                                   clientNonce: scenario.clientNonce, clientKeyshareSeed: seed)
        }
        #expect(throws: OPAQUEError.invalidScalar) {
            try client.createRegistrationRequest(password: scenario.password, blind: SecretBytes(n))
        }
        #expect(throws: OPAQUEError.invalidLength) {
            try client.generateKE1(password: scenario.password, blind: scenario.blindLogin,
                                   clientNonce: Array(scenario.clientNonce.dropLast()), clientKeyshareSeed: seed)
        }
        #expect(throws: OPAQUEError.invalidLength) {
            try client.generateKE1(password: scenario.password, blind: scenario.blindLogin,
                                   clientNonce: scenario.clientNonce, clientKeyshareSeed: SecretBytes([1, 2, 3]))
        }
        #expect(throws: OPAQUEError.invalidLength) {
            try client.generateKE1(password: SecretBytes([UInt8](repeating: 0x61, count: 65536)),
                                   blind: scenario.blindLogin, clientNonce: scenario.clientNonce,
                                   clientKeyshareSeed: seed)
        }
        let (ke1, _) = try scenario.ke1()
        let record = try scenario.register()
        #expect(throws: OPAQUEError.invalidLength) {
            try scenario.server().generateKE2(ke1: ke1, record: record, credentialIdentifier: scenario.credentialIdentifier,
                                              maskingNonce: [1], serverNonce: scenario.serverNonce,
                                              serverKeyshareSeed: scenario.serverKeyshareSeed)
        }
        #expect(throws: OPAQUEError.invalidLength) {
            try OPAQUEServer(suite: suite, context: [], keyPair: try scenario.server().keyPair,
                             oprfSeed: SecretBytes([1, 2, 3]))
        }
        #expect(throws: OPAQUEError.invalidLength) {
            try OPAQUEServer(suite: suite, context: [], keyPair: try scenario.server().keyPair,
                             oprfSeed: scenario.oprfSeed, serverIdentity: [])
        }
        #expect(throws: OPAQUEError.invalidLength) {
            try RegistrationRecord.fake(clientPublicKey: validPoint, maskingKey: SecretBytes([1]), suite: suite)
        }
    }
}
