import ClusterKit
import Foundation
import NIOCore

/// Tells the cluster about a room change made through REST: members on every gateway get
/// `room_closed` (and the owner drops the room's state) or `room_updated`, and the owner learns
/// of participant changes before the call is answered.
struct RoomEvents: Sendable {
    let redis: RedisClient
    let workers: WorkerClient
    let names: ChannelNames
    /// How long a participant change waits for the room's owner (it retries while the room moves).
    var accessTimeout: Duration = .seconds(15)

    func closed(_ roomID: Int64, by identity: Identity) {
        let event = ClusterMessage.event(roomID: roomID, .closed(frame: ServerFrame.roomClosed(roomID: roomID)))
        redis.write([["PUBLISH", .string(names.room(roomID)), .bytes(event.encoded())]])
        _ = workers.submit(roomID: roomID, identity: identity, kind: .close)
    }

    /// A public room was renamed or got a new topic: `{"type":"room_updated","room":Room}`.
    func updated(_ room: RoomRecord) {
        guard let frame = Self.frame(room, role: nil) else { return }
        publish(room.id, .updated(frame: frame))
    }

    /// A private room changed: every joined user gets the frame with its own role.
    func updated(_ room: RoomRecord, ownerID: Int64?, adminIDs: [Int64]) {
        guard let member = Self.frame(room, role: .member), let admin = Self.frame(room, role: .admin),
            let owner = Self.frame(room, role: .owner)
        else { return }
        publish(room.id, .updatedPrivate(RoleFrames(member: member, admin: admin, owner: owner, ownerID: ownerID, adminIDs: adminIDs)))
    }

    /// `userID` was added to or removed from the private room `roomID` (already stored): the
    /// room's owner re-reads the participants, then admits or refuses it, and a removed user's
    /// connections get `removed` on every gateway. Returns once the owner has taken the change, retrying while
    /// the room moves between workers; throws `unavailable` if no owner took it in time (the
    /// change stays stored: a worker that loads the room later reads it).
    func accessChanged(_ roomID: Int64, userID: Int64, by identity: Identity) async throws {
        let deadline = ContinuousClock.now + accessTimeout
        while true {
            let result = (try? await workers.submit(roomID: roomID, identity: identity, kind: .access(userID: userID)).get())
                ?? WorkerClient.noAnswer
            switch result {
            case .done, .failed(.roomNotFound, _):
                return  // taken, or the room was closed meanwhile (nothing left to refuse)
            case .failed, .joined, .acked:
                guard ContinuousClock.now < deadline else {
                    throw APIError(.unavailable, "the change is stored, but the room's worker did not confirm it; retry")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    private func publish(_ roomID: Int64, _ event: RoomEvent) {
        redis.write([["PUBLISH", .string(names.room(roomID)), .bytes(ClusterMessage.event(roomID: roomID, event).encoded())]])
    }

    private static func frame(_ room: RoomRecord, role: ParticipantRole?) -> ByteBuffer? {
        struct Frame: Encodable {
            let type = "room_updated"
            let room: RoomJSON
        }
        guard let json = try? JSONEncoder().encode(Frame(room: RoomJSON(room, role: role))) else { return nil }
        return ByteBuffer(bytes: json)
    }
}
