/// One second of a run: the per-second series of the JSON result and the HTML report's plots.
public struct SecondSample: Codable, Sendable, Equatable {
    /// Seconds since the run started (end of this second).
    public var t: Double
    /// `setup`, `connect`, `warmup`, `measure`, `drain`, a ramp step (`step 3`), ...
    public var phase: String
    public var connections: Int = 0
    /// Connections (with their join) completed in this second.
    public var connects: Int = 0
    public var sent: Int64 = 0
    public var acked: Int64 = 0
    public var refused: Int64 = 0
    public var delivered: Int64 = 0
    public var errors: Int64 = 0
    public var delivery = LatencySummary()
    public var ack = LatencySummary()
    public var connect = LatencySummary()
    public var lagMaxMicros: UInt64 = 0
    /// CPU of all measured server processes together, % of one core.
    public var serverCPUPercent: Double?
    /// This harness's CPU, % of one core.
    public var clientCPUPercent: Double = 0
    /// The busiest harness event-loop thread, % of one core.
    public var busiestLoopCPUPercent: Double = 0
    /// The most any harness event-loop thread waited for a CPU, % of the second.
    public var loopWaitPercent: Double = 0

    public init(t: Double, phase: String) {
        self.t = t
        self.phase = phase
    }
}
