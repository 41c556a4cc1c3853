/// One step of a ramp: a rate held for a while, and whether the cluster kept up.
public struct RampStep: Codable, Sendable, Equatable {
    public var rate: Double
    public var traffic: TrafficSummary
    public var errors: [String: Int64]
    public var passed: Bool
    /// Why it failed (empty when it passed).
    public var reasons: [String]
    /// The harness could not keep the schedule: the step says nothing about the server.
    public var harnessLimited: Bool
    public var serverCPUMicrosPerDelivery: Double?
}

/// The ramp's outcome.
public struct RampResult: Codable, Sendable, Equatable {
    public var minDeliveryPercent: Double
    public var p99BoundMillis: Double
    public var steps: [RampStep]
    /// The highest rate whose step passed (nil if none did).
    public var highestPassingRate: Double?
}

/// Idle connections and what they cost.
public struct IdleResult: Codable, Sendable, Equatable {
    public var requested: Int
    public var joined: Int
    /// Still open at the end of the hold.
    public var openAtEnd: Int
    public var holdSeconds: Double
    /// Sum of the gateways' RSS growth / joined connections, bytes.
    public var gatewayBytesPerConnection: Double?
    /// Per gateway: name → RSS growth, bytes.
    public var gatewayRSSDelta: [String: Int64]
    /// All measured servers' RSS growth / joined connections, bytes.
    public var serverBytesPerConnection: Double?
    /// This harness's RSS growth / joined connections, bytes.
    public var clientBytesPerConnection: Double
    /// Source addresses the connections were spread over (empty: the kernel's default).
    public var sourceAddresses: [String]
}

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

/// Disconnect, keep sending, resume with `since_seq`.
public struct ResumeResult: Codable, Sendable, Equatable {
    public var disconnected: Int
    public var resumed: Int
    public var offlineSeconds: Double
    /// Messages replayed to the resumed clients.
    public var replayed: Int64
    /// Reconnect + join with `since_seq` until `joined`.
    public var resumeLatency: LatencySummary
    /// Resumed streams that got every message exactly once, in order.
    public var resumedStreamsComplete: Int
    public var resumedStreams: Int
}
