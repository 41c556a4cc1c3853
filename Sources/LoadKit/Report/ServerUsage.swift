/// CPU and memory of one server process (or the Postgres tree) over the measured window.
public struct ServerUsage: Codable, Sendable, Equatable {
    public var name: String
    public var role: String
    public var pid: Int32
    public var alive: Bool
    /// CPU seconds used in the window (user + system).
    public var cpuSeconds: Double
    /// `cpuSeconds` / window length, % of one core.
    public var cpuPercent: Double
    /// RSS at the end of the window, bytes (summed over the tree).
    public var rssBytes: UInt64
    /// Peak RSS (VmHWM; for a tree the sum of each process's peak), bytes.
    public var peakRSSBytes: UInt64
    /// RSS at the start of the window, bytes.
    public var rssBeforeBytes: UInt64
    public var processCount: Int

    /// The usage between two samples `seconds` apart.
    public static func between(
        _ process: ServerProcess, _ start: ProcessSampler.Sample, _ end: ProcessSampler.Sample, seconds: Double
    ) -> ServerUsage {
        let ticks = end.cpuTicks >= start.cpuTicks ? end.cpuTicks - start.cpuTicks : 0
        let cpu = Double(ticks) / ProcessSampler.ticksPerSecond
        return ServerUsage(
            name: process.name, role: process.role, pid: process.pid, alive: start.alive && end.alive, cpuSeconds: cpu,
            cpuPercent: seconds > 0 ? cpu / seconds * 100 : 0, rssBytes: end.rssBytes, peakRSSBytes: end.peakBytes,
            rssBeforeBytes: start.rssBytes, processCount: end.processCount
        )
    }
}
