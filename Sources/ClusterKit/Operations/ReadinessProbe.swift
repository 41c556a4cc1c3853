import Logging
import PostgresNIO

/// Decides `/readyz`: Redis and Postgres answer within `timeout`, and the node has joined the
/// cluster (`joined`, e.g. its pub/sub subscriber is connected).
public struct ReadinessProbe: Sendable {
    let redis: RedisClient
    let postgres: PostgresClient
    let joined: @Sendable () -> Bool
    let timeout: Duration
    let logger: Logger

    public init(
        redis: RedisClient, postgres: PostgresClient, timeout: Duration = .seconds(1), logger: Logger,
        joined: @escaping @Sendable () -> Bool
    ) {
        self.redis = redis
        self.postgres = postgres
        self.timeout = timeout
        self.logger = logger
        self.joined = joined
    }

    /// `nil` when ready, else why not.
    public func check() async -> String? {
        let redis = self.redis
        let postgres = self.postgres
        let logger = self.logger
        async let redisOK: Bool = (try? await withTimeout(timeout) { try await redis.send(["PING"]) }) != nil
        async let postgresOK: Bool = (try? await withTimeout(timeout) {
            try await postgres.query("SELECT 1", logger: logger)
        }) != nil
        var problems: [String] = []
        if await !redisOK { problems.append("redis unreachable") }
        if await !postgresOK { problems.append("postgres unreachable") }
        if !joined() { problems.append("not joined to the cluster") }
        return problems.isEmpty ? nil : problems.joined(separator: ", ")
    }
}
