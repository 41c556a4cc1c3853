import ClusterKit

/// What the worker's state machines need to know of the configuration.
struct WorkerSettings: Sendable {
    /// This worker's node id (its name on the ring).
    var nodeID: String
    /// Messages kept per room for resume.
    var tailSize: Int
    /// Idempotency keys remembered per room.
    var idempotencyWindow: Int
    /// Most sends in one group commit.
    var maxBatch: Int
    /// How long a failing commit is retried.
    var commitRetry: Duration
    /// How long a gateway may be missing from the live set before its members are dropped.
    var leaseTTL: Duration
    /// A room unused this long sheds its tail and key window, and is released if nobody is joined.
    var roomIdleTimeout: Duration
    /// Most bytes the rooms may hold (tails, key windows, presence), roughly.
    var roomMemoryBudget: Int
    /// Most messages a join reply replays from the tail; longer gaps are read from Postgres by the gateway.
    var maxReplay = 500
    /// Most requests that may wait for one room while it loads or is released.
    var maxQueuedPerRoom = 10_000

    init(
        nodeID: String, tailSize: Int = 1_000, idempotencyWindow: Int = 10_000, maxBatch: Int = 5_000,
        commitRetry: Duration = .seconds(3), leaseTTL: Duration = .seconds(3), roomIdleTimeout: Duration = .seconds(300),
        roomMemoryBudget: Int = 256 << 20
    ) {
        self.nodeID = nodeID
        self.tailSize = tailSize
        self.idempotencyWindow = idempotencyWindow
        self.maxBatch = maxBatch
        self.commitRetry = commitRetry
        self.leaseTTL = leaseTTL
        self.roomIdleTimeout = roomIdleTimeout
        self.roomMemoryBudget = roomMemoryBudget
    }

    init(_ config: WorkerConfig) {
        self.init(
            nodeID: config.node.nodeID, tailSize: config.tailSize, idempotencyWindow: config.idempotencyWindow,
            maxBatch: config.maxBatch, commitRetry: config.commitRetry, leaseTTL: config.leaseTTL,
            roomIdleTimeout: config.roomIdleTimeout, roomMemoryBudget: config.roomMemoryBudget
        )
    }
}
