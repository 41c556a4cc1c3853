/// The measured traffic of a run (or of one ramp step): what was sent in the window and what came
/// of it.
public struct TrafficSummary: Codable, Sendable, Equatable {
    public var windowSeconds: Double
    public var sent: Int64
    /// Sends dropped by the pacer when it fell more than a second behind its schedule.
    public var skipped: Int64
    public var acked: Int64
    /// Resends after `unavailable`.
    public var retried: Int64
    public var refused: Int64
    /// Sends with neither an ack nor an error by the end of the drain.
    public var unanswered: Int64
    public var expectedDeliveries: Int64
    public var delivered: Int64
    /// Of `delivered`, replayed after a resume.
    public var replayed: Int64
    /// delivered / expected (1 when nothing was expected).
    public var deliveryRatio: Double
    /// Sends per second in the window.
    public var sendRate: Double
    /// Deliveries that arrived in the window, per second.
    public var deliveriesPerSecond: Double
    public var deliveriesInWindow: Int64
    public var ackLatency: LatencySummary
    public var deliveryLatency: LatencySummary
    public var scheduleLag: LatencySummary

    /// The summary of `counters` measured over `windowSeconds`.
    public init(_ counters: TrafficCounters, deliveredInWindow: Int64, windowSeconds: Double) {
        self.windowSeconds = windowSeconds
        sent = counters.sent
        skipped = counters.skipped
        acked = counters.acked
        retried = counters.retried
        refused = counters.refused
        unanswered = max(0, counters.sent - counters.acked - counters.refused)
        expectedDeliveries = counters.expected
        delivered = counters.delivered
        replayed = counters.replayed
        deliveryRatio = counters.expected > 0 ? Double(counters.delivered) / Double(counters.expected) : 1
        sendRate = windowSeconds > 0 ? Double(counters.sent) / windowSeconds : 0
        deliveriesInWindow = deliveredInWindow
        deliveriesPerSecond = windowSeconds > 0 ? Double(deliveredInWindow) / windowSeconds : 0
        ackLatency = counters.ackLatency.summary
        deliveryLatency = counters.deliveryLatency.summary
        scheduleLag = counters.scheduleLag.summary
    }
}
