/// Per-account token buckets: `burst` requests at once, refilled at `perSecond`. Time is an input
/// (seconds on a monotonic clock), so the arithmetic is tested without waiting.
public struct AccountRateLimiter: Sendable {
    public let burst: Double
    public let perSecond: Double
    /// Accounts tracked at most; the fullest buckets (idle accounts) are forgotten first, which only
    /// ever gives an account more room than it had, never less.
    public let capacity: Int
    private var buckets: [String: Bucket] = [:]

    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    public init(burst: Int, perSecond: Double, capacity: Int = 100_000) {
        precondition(burst >= 1 && perSecond > 0, "a rate limit allows something")
        self.burst = Double(burst)
        self.perSecond = perSecond
        self.capacity = capacity
    }

    /// Takes one request from `account`'s bucket at time `now`: nil when allowed, else the seconds
    /// until one more is (for Retry-After).
    public mutating func take(account: String, now: Double) -> Double? {
        var bucket = buckets[account] ?? Bucket(tokens: burst, updated: now)
        bucket.tokens = min(burst, bucket.tokens + max(0, now - bucket.updated) * perSecond)
        bucket.updated = now
        defer { buckets[account] = bucket }
        guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / perSecond }
        bucket.tokens -= 1
        if buckets.count >= capacity { forgetIdle(now: now) }
        return nil
    }

    private mutating func forgetIdle(now: Double) {
        buckets = buckets.filter { min(burst, $0.value.tokens + (now - $0.value.updated) * perSecond) < burst }
        if buckets.count >= capacity { buckets.removeAll() }
    }
}
