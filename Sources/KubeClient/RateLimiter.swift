import Foundation
import Synchronization

/// Paces requests through a `TokenBucket` (client-go's 5 QPS / burst 10 by default).
/// Streams count once, when they open.
public final class RateLimiter: Sendable {
    private let bucket: Mutex<TokenBucket>
    private let start = ContinuousClock.now

    public init(qps: Double = 5, burst: Int = 10) {
        bucket = Mutex(TokenBucket(qps: qps, burst: burst, now: 0))
    }

    /// Waits for a token.
    public func wait() async throws {
        let now = (ContinuousClock.now - start).seconds
        let delay = bucket.withLock { $0.reserve(now: now) }
        if delay > 0 { try await Task.sleep(for: .seconds(delay)) }
    }
}

extension Duration {
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
