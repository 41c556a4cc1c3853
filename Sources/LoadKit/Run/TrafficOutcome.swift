/// The outcome of one traffic phase (after its drain).
public struct TrafficOutcome: Sendable {
    public var window: MeasureWindow
    public var start: WindowSample
    public var end: WindowSample
    public var snapshot: LoopSnapshot
    public var targetRate: Double
    /// Whether every expected delivery and every answer arrived before the drain timed out.
    public var drained: Bool

    public var seconds: Double { Double(end.nanos - start.nanos) / 1e9 }

    public var summary: TrafficSummary {
        TrafficSummary(snapshot.measured, deliveredInWindow: snapshot.deliveredInWindow, windowSeconds: window.seconds)
    }
}
