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
