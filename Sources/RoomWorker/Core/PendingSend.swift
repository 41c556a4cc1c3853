import ClusterKit

/// A send waiting for the next group commit; duplicates (same idempotency key) arriving before the
/// commit are attached as extra `replyTo`s instead of being stored twice.
struct PendingSend {
    var message: ChatMessage
    var replyTo: [(gatewayID: String, requestID: UInt64)]

    var roomKey: RoomKey? {
        message.clientMessageID.map { RoomKey(roomID: message.roomID, key: IdempotencyKey(userID: message.userID, clientMessageID: $0)) }
    }
}

/// Work the core hands to its service's task group (I/O it must not do while isolated).
enum WorkerJob: Sendable {
    /// Acquire and load a room.
    case load(roomID: Int64)
    /// Run a group commit.
    case commit
    /// Give rooms up in Postgres (the ring moved them away).
    case release([Int64])
}
