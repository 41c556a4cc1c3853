import Synchronization

/// The gateway-wide rate of new WebSocket connections (`WS_ACCEPT_PER_SEC`, `WS_ACCEPT_BURST`).
/// Past it, upgrades get 503 with `Retry-After: 1`.
final class Admission: Sendable {
    private let bucket: Mutex<TokenBucket>
    private let start = ContinuousClock.now

    init(rate: Double, burst: Double) {
        bucket = Mutex(TokenBucket(rate: rate, burst: burst))
    }

    func allow() -> Bool {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return bucket.withLock { $0.take(now: seconds) }
    }
}
