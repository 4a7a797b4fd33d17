import CofferCrypto

/// What a front-end enforces, every figure named (the operator's flags set them).
public struct FrontendConfiguration: Sendable {
    /// The realm served (16 bytes): tokens must name it (`aud`), and record ids are derived in it.
    public let realmID: [UInt8]
    /// The operator's auth key: every access token must verify under it.
    public let authKey: ECDSAVerifyingKey
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    public var tokenLeewaySeconds: Int64 = 30
    /// The largest request body (vault command byte and payload). The largest vault request (a
    /// RegisterFinish with an 8 KiB-bounded record) is well under it.
    public var maxBodyBytes = 16 * 1024
    /// The longest a client may take to send its body once its headers are in; then 408.
    public var bodyTimeoutMilliseconds = 5_000
    /// The longest a forward to the agents may take, retries included; then 504.
    public var forwardDeadlineMilliseconds = 15_000
    /// The first pause before retrying a forward (doubling up to `retryBackoffLimitMilliseconds`).
    public var retryBackoffMilliseconds = 20
    /// The longest pause between forward retries.
    public var retryBackoffLimitMilliseconds = 500
    /// Requests handled at once; more are refused with 503 and Retry-After.
    public var maxConcurrentRequests = 256
    /// Requests an account may make in a burst (the token bucket's size).
    public var rateBurst = 20
    /// Requests an account regains per second (the bucket's refill).
    public var ratePerSecond = 5.0

    /// A configuration for `realmID` (16 bytes) trusting tokens signed by `authKey`, other figures default.
    public init(realmID: [UInt8], authKey: ECDSAVerifyingKey) {
        precondition(realmID.count == 16, "a realm id is 16 bytes")
        self.realmID = realmID
        self.authKey = authKey
    }

    /// The realm id as lower-case hex, as tokens spell it in `aud`.
    public var realmHex: String { realmID.map { String($0, radix: 16).leftPadded(to: 2) }.joined() }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
