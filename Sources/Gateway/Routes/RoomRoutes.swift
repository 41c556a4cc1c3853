import ClusterKit
import Hummingbird

/// `/v1/rooms`: create, list, get, update, close, members, history.
struct RoomRoutes: Sendable {
    let rooms: PostgresRoomStore
    let presence: RoomPresence
    let events: RoomEvents
    let maxBodyBytes: Int

    struct CreateBody: Decodable {
        let name: String
        let visibility: String?
        let topic: String?
    }

    struct UpdateBody: Decodable {
        let name: String?
        let topic: String?
        let visibility: String?
    }

    func add(to group: RouterGroup<GatewayRequestContext>) {
        group.post(use: create)
        group.get(use: list)
        group.get(":id", use: get)
        group.patch(":id", use: update)
        group.delete(":id", use: close)
        group.get(":id/members", use: members)
        group.get(":id/messages", use: messages)
    }

    @Sendable func create(_ request: Request, context: GatewayRequestContext) async throws -> EditedResponse<RoomEnvelope> {
        let identity = try context.requireIdentity()
        let body = try await request.decodeJSON(CreateBody.self, limit: maxBodyBytes)
        if let error = Validation.roomName(body.name) ?? body.topic.flatMap(Validation.roomTopic) { throw error }
        switch body.visibility ?? "public" {
        case "public": break
        // Refused rather than ignored: a client asking for privacy must not get a public room.
        case "private": throw APIError(.validationFailed, "private rooms are not available on this server yet")
        default: throw APIError(.validationFailed, "visibility must be 'public' or 'private'")
        }
        let room = try await rooms.create(name: body.name, topic: body.topic ?? "", ownerID: identity.userID)
        return EditedResponse(status: .created, response: RoomEnvelope(room: RoomJSON(room)))
    }

    @Sendable func list(_ request: Request, context: GatewayRequestContext) async throws -> RoomsEnvelope {
        let limit = try request.limitQuery()
        let afterID = try request.nonNegativeQuery("after_id") ?? 0
        return RoomsEnvelope(rooms: try await rooms.list(afterID: afterID, limit: limit).map(RoomJSON.init))
    }

    @Sendable func get(_ request: Request, context: GatewayRequestContext) async throws -> RoomEnvelope {
        RoomEnvelope(room: RoomJSON(try await openRoom(context)))
    }

    /// The owner renames the room or changes its topic; every joined client gets `room_updated`.
    /// Checks in the contract's order: 404, then 403, then the body (400).
    @Sendable func update(_ request: Request, context: GatewayRequestContext) async throws -> RoomEnvelope {
        let identity = try context.requireIdentity()
        let room = try await openRoom(context)
        guard room.ownerID == identity.userID else { throw APIError(.forbidden, "only the room's owner can change it") }
        let body = try await request.decodeJSON(UpdateBody.self, limit: maxBodyBytes)
        guard body.visibility == nil else { throw APIError(.validationFailed, "visibility cannot be changed") }
        guard body.name != nil || body.topic != nil else { throw APIError(.validationFailed, "give a name, a topic or both") }
        if let error = body.name.flatMap(Validation.roomName) ?? body.topic.flatMap(Validation.roomTopic) { throw error }
        guard let updated = try await rooms.update(id: room.id, name: body.name, topic: body.topic) else {
            throw APIError.notFound("room")
        }
        let json = RoomJSON(updated)
        events.updated(json)
        return RoomEnvelope(room: json)
    }

    @Sendable func close(_ request: Request, context: GatewayRequestContext) async throws -> HTTPResponse.Status {
        let identity = try context.requireIdentity()
        let roomID = try context.parameters.id(what: "room")
        switch try await rooms.close(id: roomID, by: identity.userID) {
        case .closed:
            events.closed(roomID, by: identity)
            return .noContent
        case .forbidden: throw APIError(.forbidden, "only the room's owner can delete it")
        case .notFound: throw APIError.notFound("room")
        }
    }

    @Sendable func members(_ request: Request, context: GatewayRequestContext) async throws -> MembersEnvelope {
        let room = try await openRoom(context)
        return MembersEnvelope(members: try await presence.members(of: room.id))
    }

    @Sendable func messages(_ request: Request, context: GatewayRequestContext) async throws -> MessagesEnvelope {
        let limit = try request.limitQuery()
        let afterSeq = try request.nonNegativeQuery("after_seq")
        let beforeSeq = try request.nonNegativeQuery("before_seq")
        let room = try await openRoom(context)
        let page = try await rooms.messages(roomID: room.id, afterSeq: afterSeq, beforeSeq: beforeSeq, limit: limit)
        return MessagesEnvelope(messages: page.map(MessageJSON.init))
    }

    private func openRoom(_ context: GatewayRequestContext) async throws -> RoomRecord {
        guard let room = try await rooms.find(id: try context.parameters.id(what: "room")) else {
            throw APIError.notFound("room")
        }
        return room
    }
}
