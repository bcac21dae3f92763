/// Client-side rate limiting as client-go does it: a token bucket refilled at `qps` up to
/// `burst` (defaults 5 and 10), so a burst of UI actions goes out at once but a runaway loop
/// cannot hammer the API server. Pure: the caller passes the time.
public struct TokenBucket: Sendable, Hashable {
    public let qps: Double
    public let burst: Int
    private var tokens: Double
    private var last: Double

    public init(qps: Double = 5, burst: Int = 10, now: Double) {
        self.qps = max(qps, 0.001)
        self.burst = max(burst, 1)
        tokens = Double(self.burst)
        last = now
    }

    /// Takes one token at `now` and returns how many seconds the request must wait first
    /// (0 when a token was available). Waiting callers queue: each reservation counts.
    public mutating func reserve(now: Double) -> Double {
        if now > last {
            tokens = min(Double(burst), tokens + (now - last) * qps)
            last = now
        }
        tokens -= 1
        return tokens >= 0 ? 0 : -tokens / qps
    }
}
