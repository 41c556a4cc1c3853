/// What opening a set of clients gave.
public struct OpenOutcome: Sendable {
    public var handles: [Int: ConnectionHandle] = [:]
    /// Failed clients by reason (`connect_failed`, `upgrade_401`, `join_room_not_found`, ...).
    public var failures: [String: Int64] = [:]
    /// 503 answers to upgrades (retried).
    public var refused503 = 0
    /// `unavailable` answers to joins (retried).
    public var joinRetries = 0
    /// First attempt → `joined`, per client.
    public var connectJoin = LatencyHistogram()
    public var seconds: Double = 0

    public var failed: Int { Int(failures.values.reduce(0, +)) }
}
