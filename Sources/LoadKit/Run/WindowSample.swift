/// Server and harness readings at one edge of a measured window.
public struct WindowSample: Sendable {
    public var nanos: UInt64
    public var servers: [ProcessSampler.Sample]
    public var ownCPU: Double
    public var threadCPU: [Double]
    /// Seconds each event-loop thread has waited for a CPU.
    public var threadWait: [Double]
    public var ownMemory: (rss: UInt64, peak: UInt64)

    public init(
        nanos: UInt64, servers: [ProcessSampler.Sample], ownCPU: Double, threadCPU: [Double], threadWait: [Double],
        ownMemory: (rss: UInt64, peak: UInt64)
    ) {
        self.nanos = nanos
        self.servers = servers
        self.ownCPU = ownCPU
        self.threadCPU = threadCPU
        self.threadWait = threadWait
        self.ownMemory = ownMemory
    }
}
