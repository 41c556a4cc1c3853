import ClusterKit
import Hummingbird

/// `/v1/rooms`: create, list, get, update, close, members, history. A private room is visible to
/// its participants only: for anyone else every call about it is 404, like an unknown id.
struct RoomRoutes: Sendable {
    let rooms: PostgresRoomStore
    let participants: PostgresParticipantStore
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
        ParticipantRoutes(rooms: rooms, participants: participants, events: events, maxBodyBytes: maxBodyBytes)
            .add(to: group.group(":id/participants"))
    }

    @Sendable func create(_ request: Request, context: GatewayRequestContext) async throws -> EditedResponse<RoomEnvelope> {
        let identity = try context.requireIdentity()
        let body = try await request.decodeJSON(CreateBody.self, limit: maxBodyBytes)
        if let error = Validation.roomName(body.name) ?? body.topic.flatMap(Validation.roomTopic) { throw error }
        let isPrivate: Bool
        switch body.visibility ?? "public" {
        case "public": isPrivate = false
        case "private": isPrivate = true
        default: throw APIError(.validationFailed, "visibility must be 'public' or 'private'")
        }
        let room = try await rooms.create(name: body.name, topic: body.topic ?? "", ownerID: identity.userID, isPrivate: isPrivate)
        return EditedResponse(status: .created, response: RoomEnvelope(room: RoomJSON(room)))
    }

    @Sendable func list(_ request: Request, context: GatewayRequestContext) async throws -> RoomsEnvelope {
        let limit = try request.limitQuery()
        let afterID = try request.nonNegativeQuery("after_id") ?? 0
        return RoomsEnvelope(rooms: try await rooms.list(afterID: afterID, limit: limit).map(RoomJSON.init))
    }

    @Sendable func get(_ request: Request, context: GatewayRequestContext) async throws -> RoomEnvelope {
        RoomEnvelope(room: RoomJSON(try await rooms.visible(context)))
    }

    /// Renames the room or changes its topic; every joined client gets `room_updated`. Checks in
    /// the contract's order: 404, then 403, then the body (400).
    @Sendable func update(_ request: Request, context: GatewayRequestContext) async throws -> RoomEnvelope {
        let identity = try context.requireIdentity()
        let room = try await rooms.visible(context)
        let decision = ParticipantRules.update(
            role: room.role, isOwner: room.ownerID == identity.userID, isPrivate: room.isPrivate, isDirect: room.isDirect
        )
        if case .forbidden(let why) = decision { throw APIError(.forbidden, why) }
        let body = try await request.decodeJSON(UpdateBody.self, limit: maxBodyBytes)
        guard body.visibility == nil else { throw APIError(.validationFailed, "visibility cannot be changed") }
        guard body.name != nil || body.topic != nil else { throw APIError(.validationFailed, "give a name, a topic or both") }
        if let error = body.name.flatMap(Validation.roomName) ?? body.topic.flatMap(Validation.roomTopic) { throw error }
        guard let updated = try await rooms.update(id: room.id, name: body.name, topic: body.topic, viewer: identity.userID) else {
            throw APIError.notFound("room")
        }
        if updated.isPrivate {
            let privileged = try await participants.privileged(roomID: room.id)
            events.updated(updated, ownerID: privileged.ownerID, adminIDs: privileged.adminIDs)
        } else {
            events.updated(updated)
        }
        return RoomEnvelope(room: RoomJSON(updated))
    }

    @Sendable func close(_ request: Request, context: GatewayRequestContext) async throws -> HTTPResponse.Status {
        let identity = try context.requireIdentity()
        let room = try await rooms.visible(context)
        if case .forbidden(let why) = ParticipantRules.close(isOwner: room.ownerID == identity.userID, isDirect: room.isDirect) {
            throw APIError(.forbidden, why)
        }
        guard try await rooms.close(id: room.id, by: identity.userID) else { throw APIError.notFound("room") }
        events.closed(room.id, by: identity)
        return .noContent
    }

    @Sendable func members(_ request: Request, context: GatewayRequestContext) async throws -> MembersEnvelope {
        let room = try await rooms.visible(context)
        return MembersEnvelope(members: try await presence.members(of: room.id))
    }

    @Sendable func messages(_ request: Request, context: GatewayRequestContext) async throws -> MessagesEnvelope {
        let room = try await rooms.visible(context)  // 404 before 400
        let limit = try request.limitQuery()
        let afterSeq = try request.nonNegativeQuery("after_seq")
        let beforeSeq = try request.nonNegativeQuery("before_seq")
        let page = try await rooms.messages(roomID: room.id, afterSeq: afterSeq, beforeSeq: beforeSeq, limit: limit)
        return MessagesEnvelope(messages: page.map(MessageJSON.init))
    }
}

extension PostgresRoomStore {
    /// The room of the path (`:id`) as the caller sees it; 404 if it is unknown, closed, or private
    /// and the caller takes no part in it.
    func visible(_ context: GatewayRequestContext) async throws -> RoomRecord {
        let identity = try context.requireIdentity()
        guard let room = try await find(id: try context.parameters.id(what: "room"), viewer: identity.userID) else {
            throw APIError.notFound("room")
        }
        return room
    }
}
