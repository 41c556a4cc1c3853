import Prometheus

/// What one Redis connection of a node counts (`connection` label: `commands` or `subscriber`):
/// reconnects after a loss and failed connect attempts. Counted by `RedisReconnectLoop`.
public struct RedisConnectionMetrics: Sendable {
    /// `chorus_redis_reconnects_total`: connections opened again after one was lost or failed (the
    /// first connection at start does not count).
    let reconnects: Counter
    /// `chorus_redis_connect_failures_total`: connect attempts that failed (Redis down, refused, AUTH).
    let connectFailures: Counter

    public init(registry: PrometheusCollectorRegistry, connection: String) {
        reconnects = registry.makeCounter(
            name: "chorus_redis_reconnects_total", labels: [("connection", connection)],
            help: "Redis connections opened again after a loss or a failed attempt."
        )
        connectFailures = registry.makeCounter(
            name: "chorus_redis_connect_failures_total", labels: [("connection", connection)],
            help: "Redis connect attempts that failed."
        )
    }
}
