import ClusterKit
import Hummingbird

/// `/v1/rooms/{id}/participants` (contract v1.1): list, add, change role, remove or leave (`me`).
/// A public room has no participant list (404). Checks run in the contract's order: the room
/// (404 unless the caller takes part in it), the caller's role (403), the body (400), the
/// target (404), then the rules of `ParticipantRules` (403).
struct ParticipantRoutes: Sendable {
    let rooms: PostgresRoomStore
    let participants: PostgresParticipantStore
    let events: RoomEvents
    let maxBodyBytes: Int

    struct AddBody: Decodable {
        let userID: Int64
        let role: String?
        enum CodingKeys: String, CodingKey {
            case role
            case userID = "user_id"
        }
    }

    struct RoleBody: Decodable {
        let role: String
    }

    func add(to group: RouterGroup<GatewayRequestContext>) {
        group.get(use: list)
        group.post(use: addParticipant)
        group.patch(":user", use: changeRole)
        group.delete(":user", use: remove)
    }

    @Sendable func list(_ request: Request, context: GatewayRequestContext) async throws -> ParticipantsEnvelope {
        let (room, _) = try await privateRoom(context)
        let limit = try request.limitQuery()
        let afterID = try request.nonNegativeQuery("after_id") ?? 0
        let page = try await participants.list(roomID: room.id, afterID: afterID, limit: limit)
        return ParticipantsEnvelope(participants: page.map(ParticipantJSON.init))
    }

    @Sendable func addParticipant(_ request: Request, context: GatewayRequestContext) async throws -> HTTPResponse.Status {
        let (room, caller) = try await privateRoom(context)
        try allow(ParticipantRules.mayManage(caller.rules, isDirect: room.isDirect))
        let body = try await request.decodeJSON(AddBody.self, limit: maxBodyBytes)
        let role = try body.role.map(Self.assignableRole)
        guard body.userID > 0 else { throw APIError.notFound("user") }
        let current = try await participants.role(roomID: room.id, userID: body.userID)
        let decision = ParticipantRules.add(caller.rules, .init(userID: body.userID, role: current), role: role, isDirect: room.isDirect)
        try allow(decision)
        if let current {
            if decision == .allowed, let role, role != current,
                try await !participants.setRole(roomID: room.id, userID: body.userID, role: role)
            {
                throw APIError(.conflict, "the participant was removed meanwhile, retry")
            }
        } else if try await participants.add(roomID: room.id, userID: body.userID, role: role ?? .member) == .unknownUser {
            throw APIError.notFound("user")
        }
        // Also when nothing changed here: a retry after a 503 then reaches the owner.
        try await events.accessChanged(room.id, userID: body.userID, by: caller.identity)
        return .noContent
    }

    @Sendable func changeRole(_ request: Request, context: GatewayRequestContext) async throws -> HTTPResponse.Status {
        let (room, caller) = try await privateRoom(context)
        try allow(ParticipantRules.mayManage(caller.rules, isDirect: room.isDirect))
        let body = try await request.decodeJSON(RoleBody.self, limit: maxBodyBytes)
        let role = try Self.assignableRole(body.role)
        let targetID = try targetUser(context, caller: caller)
        guard let current = try await participants.role(roomID: room.id, userID: targetID) else {
            throw APIError(.notFound, "user \(targetID) is not a participant")
        }
        let decision = ParticipantRules.changeRole(caller.rules, .init(userID: targetID, role: current), to: role, isDirect: room.isDirect)
        try allow(decision)
        if decision == .allowed, try await !participants.setRole(roomID: room.id, userID: targetID, role: role) {
            throw APIError(.notFound, "user \(targetID) is not a participant")
        }
        return .noContent
    }

    @Sendable func remove(_ request: Request, context: GatewayRequestContext) async throws -> HTTPResponse.Status {
        let (room, caller) = try await privateRoom(context)
        let targetID = try targetUser(context, caller: caller)
        let current = targetID == caller.userID ? caller.role : try await participants.role(roomID: room.id, userID: targetID)
        let decision = ParticipantRules.remove(caller.rules, .init(userID: targetID, role: current), isDirect: room.isDirect)
        try allow(decision)
        if decision == .allowed, try await !participants.remove(roomID: room.id, userID: targetID), targetID == caller.userID {
            throw APIError.notFound("room")  // left meanwhile (another call): as for a stranger
        }
        // Also when there was nobody to remove: a retry after a 503 then reaches the owner.
        try await events.accessChanged(room.id, userID: targetID, by: caller.identity)
        return .noContent
    }

    // MARK: Checks

    /// The caller, with the identity that signs its requests to the room's owner.
    struct Caller {
        let identity: Identity
        let role: ParticipantRole
        var userID: Int64 { identity.userID }
        var rules: ParticipantRules.Caller { .init(userID: identity.userID, role: role) }
    }

    /// The private room of the path and the caller's role in it; 404 for a public room (it has no
    /// participants) and for anyone who takes no part in it.
    private func privateRoom(_ context: GatewayRequestContext) async throws -> (RoomRecord, Caller) {
        let identity = try context.requireIdentity()
        let room = try await rooms.visible(context)
        guard room.isPrivate, let role = room.role else { throw APIError.notFound("room") }
        return (room, .init(identity: identity, role: role))
    }

    /// The `:user` of the path: a user id, or `me` for the caller.
    private func targetUser(_ context: GatewayRequestContext, caller: Caller) throws -> Int64 {
        if context.parameters.get("user") == "me" { return caller.userID }
        return try context.parameters.id("user", what: "user")
    }

    private func allow(_ decision: ParticipantRules.Decision) throws {
        if case .forbidden(let why) = decision { throw APIError(.forbidden, why) }
    }

    /// A role the API may give: `member` or `admin` (else 400).
    private static func assignableRole(_ raw: String) throws -> ParticipantRole {
        guard let role = ParticipantRole(rawValue: raw), role != .owner else {
            throw APIError(.validationFailed, "role must be 'member' or 'admin'")
        }
        return role
    }
}

