/// When each send of a constant-rate stream is due: send `n` (from 0) is due at
/// `start + n / rate`. The pacer asks how many are due now and sends the difference, so a late
/// tick sends a burst that catches up instead of silently lowering the rate; how late it was is
/// the schedule lag, which the harness reports so that its own slowness is never mistaken for
/// the server's.
public struct RateSchedule: Sendable, Equatable {
    /// Monotonic nanoseconds of send 0.
    public let startNanos: UInt64
    /// Sends per second (> 0).
    public let ratePerSecond: Double

    public init(startNanos: UInt64, ratePerSecond: Double) {
        precondition(ratePerSecond > 0, "rate must be positive")
        self.startNanos = startNanos
        self.ratePerSecond = ratePerSecond
    }

    /// How many sends are due at `nowNanos` (those with due time ≤ now).
    public func dueCount(atNanos nowNanos: UInt64) -> Int64 {
        guard nowNanos >= startNanos else { return 0 }
        let elapsed = Double(nowNanos - startNanos) / 1e9
        return Int64((elapsed * ratePerSecond).rounded(.down)) + 1
    }

    /// Monotonic nanoseconds when send `index` is due.
    public func dueNanos(of index: Int64) -> UInt64 {
        startNanos + UInt64((Double(index) / ratePerSecond * 1e9).rounded())
    }

    /// How late send `index` is at `nowNanos` (0 if not yet due).
    public func lagNanos(of index: Int64, atNanos nowNanos: UInt64) -> UInt64 {
        let due = dueNanos(of: index)
        return nowNanos > due ? nowNanos - due : 0
    }
}
