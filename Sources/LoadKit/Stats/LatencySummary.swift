/// The percentiles of one latency distribution, in microseconds, as reports and the JSON show them.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: UInt64 = 0
    public var meanMicros: Double = 0
    public var p50Micros: UInt64 = 0
    public var p90Micros: UInt64 = 0
    public var p99Micros: UInt64 = 0
    public var p999Micros: UInt64 = 0
    public var maxMicros: UInt64 = 0
    /// Values above the histogram's range (60 s), counted at 60 s.
    public var clamped: UInt64 = 0

    public init(
        count: UInt64 = 0, meanMicros: Double = 0, p50Micros: UInt64 = 0, p90Micros: UInt64 = 0, p99Micros: UInt64 = 0,
        p999Micros: UInt64 = 0, maxMicros: UInt64 = 0, clamped: UInt64 = 0
    ) {
        self.count = count
        self.meanMicros = meanMicros
        self.p50Micros = p50Micros
        self.p90Micros = p90Micros
        self.p99Micros = p99Micros
        self.p999Micros = p999Micros
        self.maxMicros = maxMicros
        self.clamped = clamped
    }
}
