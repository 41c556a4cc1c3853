import ClusterKit

/// Where a reply goes: the gateway that asked, and its request id.
struct ReplyTarget: Hashable, Sendable {
    let gatewayID: String
    let requestID: UInt64
}

/// A send waiting for (or in) a group commit. Duplicates (same idempotency key) that arrive before
/// the commit ends are attached as extra `replyTo`s instead of being stored twice.
struct PendingSend: Equatable, Sendable {
    var message: ChatMessage
    var replyTo: [ReplyTarget]

    var roomKey: RoomKey? {
        message.clientMessageID.map { RoomKey(roomID: message.roomID, key: IdempotencyKey(userID: message.userID, clientMessageID: $0)) }
    }
}
