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
