import ClusterKit
import NIOCore

/// Token revocation, shared by every gateway. Postgres is the source of truth
/// (`PostgresRevocations`); Redis is its cache, fast enough to ask on every request.
///
/// A revoked token has a key `chorus:revoked:jti:<jti>` that lives until the token would have
/// expired; a deleted user has `chorus:revoked:user:<id>`, kept for the longest token lifetime;
/// `chorus:revoked:synced` says Redis holds all of them. A check asks Redis for the three keys at
/// once: a marker for the token or its user means revoked, the synced marker alone means not
/// revoked, and anything else (Redis restarted or flushed, or not answering) asks Postgres. The
/// change is also published on `chorus:revocations` so that gateways close the WebSockets opened
/// with it (code 4001); `RevocationSync` catches what a gateway missed.
struct RevocationStore: Sendable {
    let redis: RedisClient
    let postgres: PostgresRevocations
    let names: ChannelNames
    /// How long a deleted user's marker is kept: the longest a token issued before can live.
    let userMarkerLifetime: Duration

    /// Whether the token `tokenID` of `userID` has been revoked (or its account deleted). Throws
    /// only when neither Redis nor Postgres can tell: callers refuse then, never admit.
    func isRevoked(tokenID: String, userID: Int64) async throws -> Bool {
        let keys: [RedisArgument] = [.string(names.revokedToken(tokenID)), .string(names.revokedUser(userID)), .string(names.revokedSynced)]
        if let values = (try? await redis.send(["MGET"] + keys))?.array, values.count == 3 {
            if values[0] != .null || values[1] != .null { return true }
            if values[2] != .null { return false }
        }
        return try await postgres.isRevoked(tokenID: tokenID, userID: userID)
    }

    /// Revokes one token until it expires: first in Postgres (a failure answers 503 and nothing
    /// changed), then in Redis, and tells every gateway.
    func revoke(_ identity: Identity, now: Int64) async throws {
        try await postgres.revoke(tokenID: identity.tokenID, userID: identity.userID, expiresAt: identity.expiresAt)
        let message = ClusterMessage.tokenRevoked(jti: identity.tokenID, userID: identity.userID, expiresAt: identity.expiresAt)
        try await run([
            tokenMarker(identity.tokenID, expiresAt: identity.expiresAt, now: now),
            ["PUBLISH", .string(names.revocations), .bytes(message.encoded())],
        ])
    }

    /// Revokes every token of `userID` in Redis and tells every gateway; the account is already
    /// deleted in Postgres (`deleted_at`), which is what counts when Redis loses this.
    func revokeUser(_ userID: Int64) async throws {
        let message = ClusterMessage.userRevoked(userID: userID)
        try await run([userMarker(userID), ["PUBLISH", .string(names.revocations), .bytes(message.encoded())]])
    }

    /// Copies revocations from Postgres into Redis (no notification); with `complete`, they are
    /// all of them, and the synced marker is set after them.
    func cache(_ changes: PostgresRevocations.Changes, now: Int64, complete: Bool) async throws {
        var commands = changes.tokens.map { tokenMarker($0.tokenID, expiresAt: $0.expiresAt, now: now) }
        commands += changes.users.map { userMarker($0) }
        if complete { commands.append(["SET", .string(names.revokedSynced), "1"]) }
        var start = 0
        while start < commands.count {
            let end = min(commands.count, start + 1_000)
            try await run(Array(commands[start..<end]))
            start = end
        }
    }

    /// Whether Redis holds every revocation (its synced marker is there).
    func isCacheComplete() async throws -> Bool {
        try await redis.send(["EXISTS", .string(names.revokedSynced)]).integer == 1
    }

    private func tokenMarker(_ tokenID: String, expiresAt: Int64, now: Int64) -> [RedisArgument] {
        let ttl = max(1, expiresAt &- now)
        return ["SET", .string(names.revokedToken(tokenID)), "1", "EX", .integer(ttl)]
    }

    private func userMarker(_ userID: Int64) -> [RedisArgument] {
        ["SET", .string(names.revokedUser(userID)), "1", "EX", .integer(userMarkerLifetime.components.seconds)]
    }

    private func run(_ commands: [[RedisArgument]]) async throws {
        for reply in try await redis.pipeline(commands) {
            if case .error(let message) = reply { throw RedisError.server(message) }
        }
    }
}
