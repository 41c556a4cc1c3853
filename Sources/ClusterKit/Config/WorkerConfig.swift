/// Configuration of a RoomWorker process.
///
/// Read with `WorkerConfig(from:)` from `config/worker.env` plus the environment; tests build it in code.
public struct WorkerConfig: Sendable {
    /// Settings shared by every node kind.
    public var node: NodeSettings
    /// How often the worker renews its membership and its Postgres session (`HEARTBEAT_INTERVAL_MS`, default 1000).
    public var heartbeatInterval: Duration
    /// How long a heartbeat counts (`LEASE_TTL_MS`, default 3000): a worker that stops heart-beating
    /// leaves the ring, and its rooms may be taken over, this long after its last heartbeat.
    public var leaseTTL: Duration
    /// Messages kept in memory per room for resume (`ROOM_TAIL_SIZE`, default 1000).
    public var tailSize: Int
    /// Recent `client_msg_id`s remembered per room for idempotent sends (`IDEMPOTENCY_WINDOW`, default 10000);
    /// older resends are still caught by the database's unique key.
    public var idempotencyWindow: Int
    /// Most messages in one group commit (`MAX_BATCH`, default 5000).
    public var maxBatch: Int
    /// Longest one storage call of the worker (a room load, a group commit) may take before it
    /// counts as failed (`STORAGE_TIMEOUT_MS`, default 5000).
    public var storageTimeout: Duration
    /// How long a group commit that failed (Postgres restarting or unreachable) is retried before
    /// its senders are answered `unavailable` (`COMMIT_RETRY_MS`, default 3000; 0 = no retry).
    /// Keep it below the gateways' `REQUEST_TIMEOUT_MS`, so a retried send is still acked.
    public var commitRetry: Duration
    /// A room unused this long gives up its tail and key window, and is released (unloaded) if
    /// nobody is joined to it (`ROOM_IDLE_MS`, default 300000).
    public var roomIdleTimeout: Duration
    /// Most memory the worker's rooms may hold, roughly: tails, key windows and presence
    /// (`ROOM_MEMORY_MB`, default 256). Over it, the least recently used rooms shed or are released.
    public var roomMemoryBudget: Int

    public init(
        node: NodeSettings,
        heartbeatInterval: Duration = .seconds(1),
        leaseTTL: Duration = .seconds(3),
        tailSize: Int = 1_000,
        idempotencyWindow: Int = 10_000,
        maxBatch: Int = 5_000,
        storageTimeout: Duration = .seconds(5),
        commitRetry: Duration = .seconds(3),
        roomIdleTimeout: Duration = .seconds(300),
        roomMemoryBudget: Int = 256 << 20
    ) throws {
        guard leaseTTL >= heartbeatInterval * 2 else {
            throw ConfigError(setting: "LEASE_TTL_MS", reason: "must be at least twice HEARTBEAT_INTERVAL_MS")
        }
        self.node = node
        self.heartbeatInterval = heartbeatInterval
        self.leaseTTL = leaseTTL
        self.tailSize = tailSize
        self.idempotencyWindow = idempotencyWindow
        self.maxBatch = maxBatch
        self.storageTimeout = storageTimeout
        self.commitRetry = commitRetry
        self.roomIdleTimeout = roomIdleTimeout
        self.roomMemoryBudget = roomMemoryBudget
    }

    /// Reads every setting from `source`, validating each.
    public init(from source: ConfigSource, processID: Int32) throws {
        try self.init(
            node: try NodeSettings(from: source, kind: "worker", defaultPort: 9100, processID: processID),
            heartbeatInterval: try source.milliseconds("HEARTBEAT_INTERVAL_MS", default: 1_000, in: 50...60_000),
            leaseTTL: try source.milliseconds("LEASE_TTL_MS", default: 3_000, in: 100...300_000),
            tailSize: try source.int("ROOM_TAIL_SIZE", default: 1_000, in: 0...1_000_000),
            idempotencyWindow: try source.int("IDEMPOTENCY_WINDOW", default: 10_000, in: 0...10_000_000),
            maxBatch: try source.int("MAX_BATCH", default: 5_000, in: 1...1_000_000),
            storageTimeout: try source.milliseconds("STORAGE_TIMEOUT_MS", default: 5_000, in: 100...120_000),
            commitRetry: try source.milliseconds("COMMIT_RETRY_MS", default: 3_000, in: 0...60_000),
            roomIdleTimeout: try source.milliseconds("ROOM_IDLE_MS", default: 300_000, in: 1_000...86_400_000),
            roomMemoryBudget: try source.int("ROOM_MEMORY_MB", default: 256, in: 1...1_048_576) << 20
        )
    }
}
