import CofferCrypto
import CofferRealmAccess
import Foundation
import Testing

/// The token codec: what it issues verifies, and every way of bending a token is refused.
@Suite struct AccessTokenTests {
    static let key = TestRealm.authKey
    static let now: Int64 = 1_800_000_000

    static func verify(_ token: String, at time: Int64 = now) throws(AccessTokenError) -> AccessToken {
        try AccessToken(verifying: token, key: key.publicKey, realmHex: TestRealm.realmHex, now: time, leeway: 30)
    }

    /// A token with this header and these claims, signed properly by the auth key.
    static func signed(header: String, claims: String) -> String {
        let input = b64(Array(header.utf8)) + "." + b64(Array(claims.utf8))
        return input + "." + b64(try! key.signature(for: Array(input.utf8)))
    }

    static func b64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    @Test func anIssuedTokenVerifiesAndNamesItsAccount() throws {
        let token = try AccessToken.issue(
            account: "alice@example", realmHex: TestRealm.realmHex, now: Self.now,
            lifetime: 600, key: Self.key)
        let verified = try Self.verify(token)
        #expect(verified.account == "alice@example")
        #expect(verified.expires == Self.now + 600)
        #expect(AccessToken.unverifiedClaims(of: token)?.account == "alice@example")
    }

    @Test func expiryAndNotBeforeHoldWithinTheLeewayOnly() throws {
        let token = try AccessToken.issue(
            account: "a", realmHex: TestRealm.realmHex, now: Self.now, lifetime: 60,
            key: Self.key)
        _ = try Self.verify(token, at: Self.now + 60 + 30)
        #expect(throws: AccessTokenError.expired) { try Self.verify(token, at: Self.now + 60 + 31) }
        _ = try Self.verify(token, at: Self.now - 30)
        #expect(throws: AccessTokenError.notYetValid) { try Self.verify(token, at: Self.now - 31) }
    }

    static let claims = #"{"aud":"\#(TestRealm.realmHex)","exp":1800000600,"sub":"alice"}"#

    @Test func aStrictHeaderAndStrictClaims() throws {
        _ = try Self.verify(Self.signed(header: #"{"alg":"ES256"}"#, claims: Self.claims))
        let refusedHeaders = [
            #"{"alg":"none"}"#, #"{"alg":"HS256","typ":"JWT"}"#, #"{"alg":"ES256","kid":"x"}"#,
            #"{"alg":"ES256","alg":"ES256"}"#, #"{"alg":"ES256","typ":"JOSE+JSON"}"#, #"{"alg":"ES256"} x"#,
        ]
        for header in refusedHeaders {
            #expect(throws: AccessTokenError.unsupportedHeader, "\(header)") {
                try Self.verify(Self.signed(header: header, claims: Self.claims))
            }
        }
        let refusedClaims = [
            // A second "sub" must not choose the account for a lenient reader and another for us.
            #"{"aud":"\#(TestRealm.realmHex)","exp":1800000600,"sub":"alice","sub":"bob"}"#,
            #"{"aud":"\#(TestRealm.realmHex)","exp":1800000600.5,"sub":"alice"}"#,
            #"{"aud":"\#(TestRealm.realmHex)","exp":"1800000600","sub":"alice"}"#,
            #"{"aud":"\#(TestRealm.realmHex)","sub":"alice"}"#,
            #"{"aud":"\#(TestRealm.realmHex)","exp":1800000600,"sub":""}"#,
            #"{"aud":"\#(TestRealm.realmHex)","exp":1800000600,"sub":"alice","admin":true}"#,
            #"{"aud":["\#(TestRealm.realmHex)"],"exp":1800000600,"sub":"alice"}"#,
        ]
        for claims in refusedClaims {
            #expect(throws: (any Error).self, "\(claims)") {
                try Self.verify(Self.signed(header: #"{"alg":"ES256"}"#, claims: claims))
            }
        }
    }

    @Test func aSignatureOfOtherBytesOrAnotherShapeIsRefused() throws {
        let token = Self.signed(header: #"{"alg":"ES256"}"#, claims: Self.claims)
        var parts = token.split(separator: ".").map(String.init)
        // One signature bit flipped.
        var signature = Array(
            Data(
                base64Encoded: parts[2].replacingOccurrences(of: "-", with: "+")
                    .replacingOccurrences(of: "_", with: "/") + "==")!)
        signature[10] ^= 1
        parts[2] = Self.b64(signature)
        #expect(throws: AccessTokenError.badSignature) { try Self.verify(parts.joined(separator: ".")) }
        #expect(throws: AccessTokenError.malformed) { try Self.verify(token + ".") }
        #expect(throws: AccessTokenError.malformed) { try Self.verify(token.replacingOccurrences(of: ".", with: "=.")) }
        #expect(throws: AccessTokenError.malformed) { try Self.verify(String(repeating: "a", count: 3000)) }
    }

    @Test func recordIDsAreDistinctPerAccountAndRealm() {
        let a = AccountRecordID.derive(realmID: TestRealm.realmID, account: "alice")
        #expect(a.count == 32)
        #expect(a != AccountRecordID.derive(realmID: TestRealm.realmID, account: "alicf"))
        #expect(a != AccountRecordID.derive(realmID: Array(repeating: 0, count: 16), account: "alice"))
        #expect(a == SHA256.hash(Array("coffer/realm/v1/account-id".utf8) + TestRealm.realmID + Array("alice".utf8)))
    }
}
