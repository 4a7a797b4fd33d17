import CofferCrypto

// Why a few lines on CofferCrypto rather than vapor/jwt-kit: the front-end accepts exactly one kind of
// token (compact JWS, ES256 over P-256, a flat claim set the operator's tools issue), and CofferCrypto's
// ECDSA already signs and verifies P-256 r‖s, JWS's own ES256 signature format. A JWT library would
// bring a second crypto stack (swift-crypto's BoringSSL) beside OpenSSL, algorithm negotiation we would
// then have to switch off, and a JSON parser that takes the last of two duplicate claims. Here the
// header must name ES256 and nothing else, and the claims are read by `StrictJSON`.

/// Why a token is refused. None carries the token itself (tokens are never logged).
public enum AccessTokenError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not three base64url parts, or longer than `AccessToken.maxLength`.
    case malformed
    /// The header is not exactly {"alg":"ES256"} with an optional "typ":"JWT".
    case unsupportedHeader
    /// The ES256 signature does not verify under the operator's auth key.
    case badSignature
    /// A claim is missing, of the wrong type, or unknown.
    case badClaims(String)
    /// `aud` is not this realm.
    case wrongAudience
    /// `exp` has passed (beyond the leeway).
    case expired
    /// `nbf` is still ahead (beyond the leeway).
    case notYetValid

    public var description: String {
        switch self {
        case .malformed: "the token is not a compact ES256 JWT"
        case .unsupportedHeader: "the token's header must say alg ES256 (and nothing but typ JWT)"
        case .badSignature: "the token's signature does not verify under the operator's auth key"
        case .badClaims(let what): "the token's claims are not usable: \(what)"
        case .wrongAudience: "the token is for another realm"
        case .expired: "the token has expired"
        case .notYetValid: "the token is not valid yet"
        }
    }
}

/// An access token's verified claims: the account it names, for one realm, for a bounded time.
public struct AccessToken: Equatable, Sendable {
    /// The longest token read (bytes): far beyond the ~300 an issued one takes, small enough to parse cheaply.
    public static let maxLength = 2048
    /// The longest account name (UTF-8 bytes).
    public static let maxAccountLength = 256

    /// The account (`sub`).
    public let account: String
    /// The realm id as lower-case hex (`aud`).
    public let audience: String
    /// Expiry, seconds since the epoch (`exp`).
    public let expires: Int64
    /// Not-before, seconds since the epoch (`nbf`); nil when absent.
    public let notBefore: Int64?

    /// Makes a token for `account` in realm `realmHex`, valid from `now` for `lifetime` seconds, signed
    /// with the operator's auth key (the operator's side: `cofferctl token issue`).
    public static func issue(
        account: String, realmHex: String, now: Int64, lifetime: Int64, key: ECDSASigningKey
    ) throws(CryptoError) -> String {
        let header = StrictJSON.encode(["alg": .string("ES256"), "typ": .string("JWT")])
        let claims = StrictJSON.encode([
            "sub": .string(account), "aud": .string(realmHex), "iat": .integer(now), "nbf": .integer(now),
            "exp": .integer(now + lifetime),
        ])
        let signingInput = Base64URL.encode(header) + "." + Base64URL.encode(claims)
        let signature = try key.signature(for: Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// Verifies `token`: shape, header, signature under `key`, then claims: `aud` equal to `realmHex`,
    /// `exp` required and `nbf` (when present) checked against `now` with `leeway` seconds of clock skew.
    public init(verifying token: String, key: ECDSAVerifyingKey, realmHex: String, now: Int64, leeway: Int64)
        throws(AccessTokenError)
    {
        guard token.utf8.count <= Self.maxLength else { throw .malformed }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]),
            let claimBytes = Base64URL.decode(parts[1]), let signature = Base64URL.decode(parts[2])
        else { throw .malformed }
        guard let header = StrictJSON.object(headerBytes), header["alg"] == .string("ES256"),
            header.keys.allSatisfy({ $0 == "alg" || $0 == "typ" }),
            header["typ"] == nil || header["typ"] == .string("JWT")
        else { throw .unsupportedHeader }
        // The signature before anything in the claims is believed.
        let signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard signature.count == ECDSAVerifyingKey.signatureLength, key.isValidSignature(signature, for: signingInput)
        else { throw .badSignature }
        guard let claims = StrictJSON.object(claimBytes) else { throw .badClaims("not a flat JSON object") }
        let known: Set<String> = ["sub", "aud", "exp", "nbf", "iat"]
        if let unknown = claims.keys.sorted().first(where: { !known.contains($0) }) {
            throw .badClaims("unknown claim \(unknown)")
        }
        guard case .string(let account)? = claims["sub"], !account.isEmpty,
            account.utf8.count <= Self.maxAccountLength, !account.unicodeScalars.contains(where: { $0.value < 0x20 })
        else { throw .badClaims("sub must name an account (1-256 bytes, no control characters)") }
        guard case .string(let audience)? = claims["aud"] else { throw .badClaims("aud must be the realm id") }
        guard audience == realmHex else { throw .wrongAudience }
        guard case .integer(let expires)? = claims["exp"] else { throw .badClaims("exp must be an integer") }
        guard now <= expires + leeway else { throw .expired }
        var notBefore: Int64?
        if let value = claims["nbf"] {
            guard case .integer(let start) = value else { throw .badClaims("nbf must be an integer") }
            guard start <= now + leeway else { throw .notYetValid }
            notBefore = start
        }
        if let issued = claims["iat"] {
            guard case .integer = issued else { throw .badClaims("iat must be an integer") }
        }
        self.account = account
        self.audience = audience
        self.expires = expires
        self.notBefore = notBefore
    }

    /// The claims of `token` read WITHOUT checking its signature: what a client learns of its own token
    /// (the account and realm it names) to derive its record id. Never a basis for trust.
    public static func unverifiedClaims(of token: String) -> (account: String, realmHex: String)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = Base64URL.decode(parts[1]), let claims = StrictJSON.object(bytes),
            case .string(let account)? = claims["sub"], case .string(let realm)? = claims["aud"]
        else { return nil }
        return (account, realm)
    }
}
