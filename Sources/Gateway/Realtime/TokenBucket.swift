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

    /// Seconds from `now` until the next token (after a failed `take` at `now`).
    func wait(now: Double) -> Double {
        guard tokens < 1 else { return 0 }
        return rate > 0 ? (1 - tokens) / rate : .infinity
    }
}
