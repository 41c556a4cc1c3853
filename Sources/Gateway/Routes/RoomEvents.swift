import ClusterKit
import Foundation
import NIOCore

/// Tells the cluster about a room change made through REST: members on every gateway get
/// `room_closed` (and the owner drops the room's state) or `room_updated`.
struct RoomEvents: Sendable {
    let redis: RedisClient
    let workers: WorkerClient
    let names: ChannelNames

    func closed(_ roomID: Int64, by identity: Identity) {
        let event = ClusterMessage.event(roomID: roomID, .closed(frame: ServerFrame.roomClosed(roomID: roomID)))
        redis.write([["PUBLISH", .string(names.room(roomID)), .bytes(event.encoded())]])
        _ = workers.submit(roomID: roomID, identity: identity, kind: .close)
    }

    /// `room` was renamed or got a new topic: `{"type":"room_updated","room":Room}`.
    func updated(_ room: RoomJSON) {
        struct Frame: Encodable {
            let type = "room_updated"
            let room: RoomJSON
        }
        guard let json = try? JSONEncoder().encode(Frame(room: room)) else { return }
        let event = ClusterMessage.event(roomID: room.id, .updated(frame: ByteBuffer(bytes: json)))
        redis.write([["PUBLISH", .string(names.room(room.id)), .bytes(event.encoded())]])
    }
}
