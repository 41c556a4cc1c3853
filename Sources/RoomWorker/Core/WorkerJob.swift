/// I/O the worker's executor hands to its service's task group (it must not wait while isolated).
enum WorkerJob: Sendable {
    /// Acquire and load a room.
    case load(roomID: Int64)
    /// Read a private room's participants (read `token`).
    case loadParticipants(roomID: Int64, token: UInt64)
    /// Run a group commit of this batch.
    case commit(CommitBatch)
    /// Give rooms up in Postgres (the ring moved them away, or they were idle).
    case release([Int64])
    /// Wait `delay`, then retry the running commit.
    case retryCommit(after: Duration)
}
