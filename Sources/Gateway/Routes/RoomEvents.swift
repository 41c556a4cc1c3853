import ClusterKit

/// Tells the cluster about a room change made through REST (a deleted room): members on every
/// gateway get `room_closed`, and the owner drops the room's state.
struct RoomEvents: Sendable {
    let redis: RedisClient
    let workers: WorkerClient
    let names: ChannelNames

    func closed(_ roomID: Int64, by identity: Identity) {
        let event = ClusterMessage.event(roomID: roomID, .closed(frame: ServerFrame.roomClosed(roomID: roomID)))
        redis.write([["PUBLISH", .string(names.room(roomID)), .bytes(event.encoded())]])
        _ = workers.submit(roomID: roomID, identity: identity, kind: .close)
    }
}
