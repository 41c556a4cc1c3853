import ClusterKit
import Prometheus

/// Every metric of a worker, made once at start-up from the node's registry and handed to the
/// code that counts (see docs/OPERATIONS.md, "Metrics"): the executor counts what its state
/// machine decided (retries, fenced commits, stored messages, the room gauges), the service times
/// the storage calls it runs (commits, room loads).
struct WorkerMetrics: Sendable {
    /// How a room load ended, the `outcome` label of `chorus_worker_room_loads_total`.
    enum LoadOutcome: Int, CaseIterable {
        /// Acquired and loaded (tail and keys read).
        case loaded
        /// Unknown or closed room.
        case notFound
        /// Another live worker owns it.
        case busy
        /// This worker's session had expired (or it had none).
        case sessionExpired
        /// Postgres failed or timed out.
        case failed

        var label: String {
            switch self {
            case .loaded: "loaded"
            case .notFound: "not_found"
            case .busy: "busy"
            case .sessionExpired: "session_expired"
            case .failed: "failed"
            }
        }
    }

    /// Buckets of the group-commit batch size (messages).
    static let batchSizeBuckets: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000]

    /// What every node kind exports.
    let node: NodeMetrics
    /// Rooms this worker serves (loaded, not being handed over).
    let roomsOwned: Gauge
    /// Rooms held in memory: loading, served, or being handed over.
    let roomsLoaded: Gauge
    /// What the rooms hold in memory (tails, key windows, presence), roughly.
    let roomStateBytes: Gauge
    /// Messages per commit attempt.
    let commitBatchSize: ValueHistogram
    /// Duration of each commit attempt (one transaction: fence and insert).
    let commitDuration: DurationHistogram
    /// Failed commit attempts that are retried.
    let commitRetries: Counter
    /// Commits refused by the fence (a room's owner or `last_seq` changed under this worker).
    let fencedCommits: Counter
    /// Room loads, by `LoadOutcome.rawValue`.
    private let roomLoads: [Counter]
    /// Duration of each room load (acquire, tail and keys), whatever its outcome.
    let roomLoadDuration: DurationHistogram
    /// Messages stored (committed).
    let storedMessages: Counter

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        node = NodeMetrics(registry: registry, kind: .worker)
        roomsOwned = registry.makeGauge(name: "chorus_worker_rooms_owned", help: "Rooms this worker serves.")
        roomsLoaded = registry.makeGauge(name: "chorus_worker_rooms_loaded", help: "Rooms held in memory: loading, served or being handed over.")
        roomStateBytes = registry.makeGauge(name: "chorus_worker_room_state_bytes", help: "Bytes the rooms hold in memory, roughly.")
        commitBatchSize = registry.makeValueHistogram(
            name: "chorus_worker_commit_batch_size", buckets: Self.batchSizeBuckets, help: "Messages per group-commit attempt."
        )
        commitDuration = registry.makeDurationHistogram(
            name: "chorus_worker_commit_duration_seconds", buckets: NodeMetrics.latencyBuckets,
            help: "Duration of each group-commit attempt."
        )
        commitRetries = registry.makeCounter(name: "chorus_worker_commit_retries_total", help: "Failed group commits that were retried.")
        fencedCommits = registry.makeCounter(name: "chorus_worker_fenced_commits_total", help: "Group commits refused by the ownership fence.")
        roomLoads = LoadOutcome.allCases.map { outcome in
            registry.makeCounter(
                name: "chorus_worker_room_loads_total", labels: [("outcome", outcome.label)], help: "Room loads, by outcome."
            )
        }
        roomLoadDuration = registry.makeDurationHistogram(
            name: "chorus_worker_room_load_duration_seconds", buckets: NodeMetrics.latencyBuckets,
            help: "Duration of each room load (acquire, tail and keys)."
        )
        storedMessages = registry.makeCounter(name: "chorus_worker_messages_stored_total", help: "Messages committed to Postgres.")
    }

    /// Counts a room load; `duration` is `nil` for one that never reached Postgres (no session).
    func roomLoaded(_ outcome: LoadOutcome, after duration: Duration?) {
        roomLoads[outcome.rawValue].increment()
        if let duration { roomLoadDuration.record(duration) }
    }
}
