/// A connection storm: how fast clients get in.
public struct ConnectStormResult: Codable, Sendable, Equatable {
    public var requested: Int
    public var joined: Int
    public var failed: Int
    /// Upgrades answered 503 (the gateway's admission limit) and retried.
    public var refused503: Int
    public var seconds: Double
    /// Joined clients per second over the storm.
    public var connectsPerSecond: Double
    /// Target rate of connection starts (nil: as fast as the concurrency allows).
    public var targetRate: Double?
    /// Start of the first attempt → `joined`, retries included.
    public var connectJoin: LatencySummary
}
