/// The harness's own cost over the measured window, so that its slowness is never taken for the
/// server's.
public struct ClientUsage: Codable, Sendable, Equatable {
    public var threads: Int
    /// CPU seconds of the whole harness process in the window.
    public var cpuSeconds: Double
    /// % of one core.
    public var cpuPercent: Double
    /// Each event-loop thread's CPU, % of one core.
    public var loopThreadCPUPercent: [Double]
    /// Each event-loop thread's time waiting for a CPU while runnable, % of the window.
    public var loopThreadWaitPercent: [Double]
    public var rssBytes: UInt64
    public var peakRSSBytes: UInt64
    /// True when the harness may have limited the result (see the warnings).
    public var bottleneck: Bool

    public init(
        threads: Int, cpuSeconds: Double, cpuPercent: Double, loopThreadCPUPercent: [Double], loopThreadWaitPercent: [Double], rssBytes: UInt64,
        peakRSSBytes: UInt64, bottleneck: Bool
    ) {
        self.threads = threads
        self.cpuSeconds = cpuSeconds
        self.cpuPercent = cpuPercent
        self.loopThreadCPUPercent = loopThreadCPUPercent
        self.loopThreadWaitPercent = loopThreadWaitPercent
        self.rssBytes = rssBytes
        self.peakRSSBytes = peakRSSBytes
        self.bottleneck = bottleneck
    }
}
