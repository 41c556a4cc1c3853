import ClusterKit
import NIOCore

/// Token revocation, shared by every gateway through Redis.
///
/// A revoked token has a key `chorus:revoked:jti:<jti>` that lives until the token would have
/// expired; a deleted user has `chorus:revoked:user:<id>`, kept for the longest token lifetime.
/// Every authenticated request checks both keys in one round trip, so a token logged out on one
/// gateway is refused by all of them from the moment logout answers. The same change is published
/// on `chorus:revocations` so that gateways close the WebSockets opened with it (code 4001).
struct RevocationStore: Sendable {
    let redis: RedisClient
    let names: ChannelNames
    /// How long a deleted user's marker is kept: the longest a token issued before can live.
    let userMarkerLifetime: Duration

    /// Whether the token `tokenID` of `userID` has been revoked.
    func isRevoked(tokenID: String, userID: Int64) async throws -> Bool {
        let reply = try await redis.send(["EXISTS", .string(names.revokedToken(tokenID)), .string(names.revokedUser(userID))])
        return (reply.integer ?? 0) > 0
    }

    /// Revokes one token until it expires, and tells every gateway.
    func revoke(_ identity: Identity, now: Int64) async throws {
        let ttl = max(1, identity.expiresAt - now)
        let message = ClusterMessage.tokenRevoked(jti: identity.tokenID, userID: identity.userID, expiresAt: identity.expiresAt)
        try await run([
            ["SET", .string(names.revokedToken(identity.tokenID)), "1", "EX", .integer(ttl)],
            ["PUBLISH", .string(names.revocations), .bytes(message.encoded())],
        ])
    }

    /// Revokes every token of `userID`, and tells every gateway.
    func revokeUser(_ userID: Int64) async throws {
        let message = ClusterMessage.userRevoked(userID: userID)
        try await run([
            ["SET", .string(names.revokedUser(userID)), "1", "EX", .integer(userMarkerLifetime.components.seconds)],
            ["PUBLISH", .string(names.revocations), .bytes(message.encoded())],
        ])
    }

    private func run(_ commands: [[RedisArgument]]) async throws {
        for reply in try await redis.pipeline(commands) {
            if case .error(let message) = reply { throw RedisError.server(message) }
        }
    }
}
