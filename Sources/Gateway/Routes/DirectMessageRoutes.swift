import ClusterKit
import Hummingbird

/// `POST /v1/dms` and `GET /v1/users/me/rooms` (contract v1.1): a private two-person room per
/// pair of users, made on first use; the private rooms and direct messages of the caller.
struct DirectMessageRoutes: Sendable {
    let participants: PostgresParticipantStore
    let maxBodyBytes: Int

    struct Body: Decodable {
        let userID: Int64
        enum CodingKeys: String, CodingKey { case userID = "user_id" }
    }

    func add(dms: RouterGroup<GatewayRequestContext>, users: RouterGroup<GatewayRequestContext>) {
        dms.post(use: open)
        users.get("me/rooms", use: myRooms)
    }

    /// 201 with the room the first time, 200 with the same room on every later call by either user.
    @Sendable func open(_ request: Request, context: GatewayRequestContext) async throws -> EditedResponse<RoomEnvelope> {
        let identity = try context.requireIdentity()
        let body = try await request.decodeJSON(Body.self, limit: maxBodyBytes)
        guard body.userID != identity.userID else { throw APIError(.validationFailed, "a direct message needs another user") }
        guard body.userID > 0, let (room, created) = try await participants.directMessage(identity.userID, body.userID) else {
            throw APIError.notFound("user")
        }
        return EditedResponse(status: created ? .created : .ok, response: RoomEnvelope(room: RoomJSON(room)))
    }

    @Sendable func myRooms(_ request: Request, context: GatewayRequestContext) async throws -> RoomsEnvelope {
        let identity = try context.requireIdentity()
        let limit = try request.limitQuery()
        let afterID = try request.nonNegativeQuery("after_id") ?? 0
        return RoomsEnvelope(rooms: try await participants.rooms(of: identity.userID, afterID: afterID, limit: limit).map(RoomJSON.init))
    }
}
