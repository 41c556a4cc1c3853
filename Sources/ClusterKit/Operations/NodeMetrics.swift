import Foundation
import Prometheus

/// The metrics every node kind exports (gateway and worker alike), made once at start-up from the
/// node's registry and handed to the parts that count: the Redis connections, the ring watcher and
/// the storage calls. Setting it up also publishes `process_start_time_seconds` and
/// `chorus_build_info{version,kind} 1`.
public struct NodeMetrics: Sendable {
    /// The node kind, the `kind` label of `chorus_build_info`.
    public enum Kind: String, Sendable {
        case gateway
        case worker
    }

    /// This build's version, the `version` label of `chorus_build_info` (raise it with each release).
    public static let version = "0.13.0"

    /// Buckets of the latency histograms, in seconds: 1 ms to 10 s (storage and request timeouts
    /// are 5 s by default, so a timed-out call lands in the last finite bucket).
    public static let latencyBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2_500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2_500), .seconds(5), .seconds(10),
    ]

    /// The command connection to Redis (`RedisClient`).
    public let redisCommands: RedisConnectionMetrics
    /// The pub/sub connection to Redis (`RedisSubscriber`).
    public let redisSubscriber: RedisConnectionMetrics
    /// Workers on this node's ring (`chorus_ring_members`), set by its `RingWatcher`.
    public let ringMembers: Gauge
    /// Storage calls that got no answer from Postgres.
    public let postgres: PostgresFailureMetrics

    /// - Parameter startTime: Unix seconds of the process's start (default: now, which is within
    ///   milliseconds of it when called from `main`).
    public init(registry: PrometheusCollectorRegistry, kind: Kind, startTime: Double = Date().timeIntervalSince1970) {
        redisCommands = RedisConnectionMetrics(registry: registry, connection: "commands")
        redisSubscriber = RedisConnectionMetrics(registry: registry, connection: "subscriber")
        ringMembers = registry.makeGauge(name: "chorus_ring_members", help: "Workers on the ring this node sees.")
        postgres = PostgresFailureMetrics(registry: registry)
        registry.makeGauge(name: "process_start_time_seconds", help: "Start time of the process since the Unix epoch, in seconds.")
            .set(to: startTime.rounded(.down))
        registry.makeGauge(
            name: "chorus_build_info", labels: [("version", Self.version), ("kind", kind.rawValue)],
            help: "Always 1; the labels name the build and the node kind."
        ).set(to: 1)
    }
}
