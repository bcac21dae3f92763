/// Reconnect delays as client-go's reflector computes them: 0.8 s doubling to 30 s, with
/// jitter so many clients do not reconnect in step, reset once the connection has been
/// healthy for 2 minutes. Pure: the caller passes the time and a random number.
public struct Backoff: Sendable, Hashable {
    public var initial: Double
    public var maximum: Double
    public var factor: Double
    /// Up to this fraction of the delay is added at random.
    public var jitter: Double
    /// A failure this long after the previous one starts again from `initial`.
    public var resetAfter: Double

    private var step = 0
    private var lastFailure: Double?

    public init(initial: Double = 0.8, maximum: Double = 30, factor: Double = 2, jitter: Double = 0.5, resetAfter: Double = 120) {
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.jitter = jitter
        self.resetAfter = resetAfter
    }

    /// The delay before the next attempt, after a failure at `now`; `random` in 0..<1.
    public mutating func delay(now: Double, random: Double) -> Double {
        if let lastFailure, now - lastFailure >= resetAfter { step = 0 }
        lastFailure = now
        var base = initial
        for _ in 0..<step where base < maximum { base *= factor }
        step += 1
        let jittered = min(base, maximum) * (1 + jitter * min(max(random, 0), 1))
        return min(jittered, maximum)
    }
}
