/// A token bucket: `rate` tokens per second, at most `burst` saved up. Time is passed in (seconds,
/// from any monotonic clock), so tests need no clock.
struct TokenBucket {
    let rate: Double
    let burst: Double
    private var tokens: Double
    private var last: Double?

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
        self.tokens = burst
    }

    /// Takes one token at time `now`; `false` when the bucket is empty.
    mutating func take(now: Double) -> Bool {
        if let last { tokens = min(burst, tokens + max(0, now - last) * rate) }
        last = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
