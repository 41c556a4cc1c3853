import ClusterKit

/// What the worker's state machines ask their executor to do, in the order they decided it.
/// Redis writes keep that order, so a room's events reach the gateways in seq order.
enum WorkerAction: Equatable, Sendable {
    /// Answer a gateway's request.
    case reply(ReplyTarget, RoomReply.Result)
    /// A user's first connection joined (or last one left) the room: update the room's member
    /// hash and publish the `presence` frame.
    case presence(roomID: Int64, event: ServerFrame.PresenceEvent, userID: Int64, username: String)
    /// Record a member in the room's member hash, silently (a re-join after an ownership change).
    case setMember(roomID: Int64, userID: Int64, username: String)
    /// A fresh owner starts with nobody joined: empty the room's member hash.
    case clearMembers(roomID: Int64)
    /// Tell the gateways that `userID` is no longer a participant of the private room: its
    /// connections get `removed` and leave it.
    case removed(roomID: Int64, userID: Int64)
    /// Read the private room's participants again; then `participantsLoaded(_:token:_:)`.
    case loadParticipants(roomID: Int64, token: UInt64)
    /// Publish a `typing` frame to the room.
    case typing(roomID: Int64, userID: Int64, username: String)
    /// Acquire the room in Postgres and load its tail and keys.
    case load(roomID: Int64)
    /// Give these rooms up in Postgres.
    case release([Int64])
    /// Write this batch in one transaction, behind the fence.
    case commit(CommitBatch)
    /// Wait, then call `commitRetryDue`.
    case retryCommit(after: Duration)
    /// The batch is stored: answer each send with its seq and publish each message, in order.
    case publishCommitted(CommitBatch)
}
