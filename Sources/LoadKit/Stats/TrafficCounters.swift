/// Counts and latencies of traffic over some span (one second, or the measured window), kept per
/// event loop without locks and merged by the driver.
public struct TrafficCounters: Sendable, Equatable {
    /// `send` frames written.
    public var sent: Int64 = 0
    /// Sends the pacer dropped because it was more than `SendPacer.maximumCatchUp` behind.
    public var skipped: Int64 = 0
    /// Resends after `unavailable` (same `client_msg_id`).
    public var retried: Int64 = 0
    /// Sends answered with `ack`.
    public var acked: Int64 = 0
    /// Sends refused with `error` (not stored, so not expected anywhere), or still `unavailable`
    /// after every retry.
    public var refused: Int64 = 0
    /// Deliveries the sends should cause: room members per send, minus those of refused sends.
    public var expected: Int64 = 0
    /// `message` frames received (live and replayed).
    public var delivered: Int64 = 0
    /// Of `delivered`, those replayed after a join with `since_seq` (no latency recorded for them).
    public var replayed: Int64 = 0
    /// `error` frames by contract code.
    public var errors: [String: Int64] = [:]
    /// Send → `ack`.
    public var ackLatency = LatencyHistogram()
    /// Send → `message` at a receiver (live messages only).
    public var deliveryLatency = LatencyHistogram()
    /// How late the pacer wrote sends behind their schedule.
    public var scheduleLag = LatencyHistogram()

    public init() {}

    public var errorCount: Int64 { errors.values.reduce(0, +) }

    public mutating func merge(_ other: TrafficCounters) {
        sent += other.sent
        acked += other.acked
        skipped += other.skipped
        retried += other.retried
        refused += other.refused
        expected += other.expected
        delivered += other.delivered
        replayed += other.replayed
        errors.merge(other.errors, uniquingKeysWith: +)
        ackLatency.merge(other.ackLatency)
        deliveryLatency.merge(other.deliveryLatency)
        scheduleLag.merge(other.scheduleLag)
    }

    public static func merged(_ all: [TrafficCounters]) -> TrafficCounters {
        all.reduce(into: TrafficCounters()) { $0.merge($1) }
    }
}
