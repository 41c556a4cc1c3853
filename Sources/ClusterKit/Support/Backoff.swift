/// Exponential backoff with full jitter for reconnect loops.
///
/// Attempt n waits a random time in `0...min(maximum, base * 2^n)`; jitter keeps many nodes that
/// lost Redis at the same moment from reconnecting in lock step. The default ceiling (2 s) bounds
/// how long after Redis is back a node may still be away: every second of it is a second of
/// `unavailable` for the rooms that node serves.
public struct Backoff: Sendable {
    public var base: Duration
    public var maximum: Duration
    private var attempt = 0

    public init(base: Duration = .milliseconds(100), maximum: Duration = .seconds(2)) {
        self.base = base
        self.maximum = maximum
    }

    /// The delay before the next attempt; `unit` (0..<1) is the random draw, injected for tests.
    public mutating func nextDelay(unit: Double = Double.random(in: 0..<1)) -> Duration {
        let exponent = min(attempt, 30)
        attempt += 1
        let ceiling = min(maximum, base * (1 << exponent))
        return ceiling * max(0, min(unit, 1))
    }

    /// Call after a success: the next failure starts from `base` again.
    public mutating func reset() {
        attempt = 0
    }
}
