import Hummingbird

/// `/v1/users`: profiles, follows, account deletion.
struct UserRoutes: Sendable {
    let users: PostgresUserStore
    let revocations: RevocationStore

    func add(to group: RouterGroup<GatewayRequestContext>) {
        group.get("me", use: me)
        group.delete("me", use: deleteMe)
        group.get(":id", use: profile)
        group.post(":id/follow", use: follow)
        group.delete(":id/follow", use: unfollow)
        group.get(":id/followers") { request, context in try await list(.followers, request, context) }
        group.get(":id/following") { request, context in try await list(.following, request, context) }
    }

    @Sendable func me(_ request: Request, context: GatewayRequestContext) async throws -> UserEnvelope {
        let identity = try context.requireIdentity()
        return try await profile(of: identity.userID, viewer: identity.userID)
    }

    @Sendable func profile(_ request: Request, context: GatewayRequestContext) async throws -> UserEnvelope {
        let identity = try context.requireIdentity()
        return try await profile(of: try context.parameters.id(what: "user"), viewer: identity.userID)
    }

    private func profile(of id: Int64, viewer: Int64) async throws -> UserEnvelope {
        guard let profile = try await users.profile(id: id) else { throw APIError.notFound("user") }
        return UserEnvelope(
            user: UserJSON(profile.user, includeEmail: id == viewer, followers: profile.followers, following: profile.following)
        )
    }

    @Sendable func deleteMe(_ request: Request, context: GatewayRequestContext) async throws -> HTTPResponse.Status {
        let identity = try context.requireIdentity()
        try await users.delete(id: identity.userID)
        try await revocations.revokeUser(identity.userID)
        return .noContent
    }

    @Sendable func follow(_ request: Request, context: GatewayRequestContext) async throws -> HTTPResponse.Status {
        let identity = try context.requireIdentity()
        let target = try context.parameters.id(what: "user")
        guard target != identity.userID else { throw APIError(.validationFailed, "you cannot follow yourself") }
        guard try await users.follow(follower: identity.userID, followee: target) else { throw APIError.notFound("user") }
        return .noContent
    }

    @Sendable func unfollow(_ request: Request, context: GatewayRequestContext) async throws -> HTTPResponse.Status {
        let identity = try context.requireIdentity()
        guard let target = try? context.parameters.id(what: "user") else { return .noContent }
        try await users.unfollow(follower: identity.userID, followee: target)
        return .noContent
    }

    private func list(
        _ direction: PostgresUserStore.Direction, _ request: Request, _ context: GatewayRequestContext
    ) async throws -> UsersEnvelope {
        let identity = try context.requireIdentity()
        let id = try context.parameters.id(what: "user")
        let limit = try request.limitQuery()
        let afterID = try request.nonNegativeQuery("after_id") ?? 0
        guard try await users.exists(id: id) else { throw APIError.notFound("user") }
        let found = try await users.list(direction, of: id, afterID: afterID, limit: limit)
        return UsersEnvelope(users: found.map { UserJSON($0, includeEmail: $0.id == identity.userID) })
    }
}
