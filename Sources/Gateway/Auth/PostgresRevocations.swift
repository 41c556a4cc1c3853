import ClusterKit
import Foundation
import PostgresNIO

/// Revocations in Postgres, their source of truth: logged-out tokens in `revoked_tokens`, deleted
/// accounts in `users.deleted_at`. Redis (`RevocationStore`) and each gateway's sockets learn from
/// here when Redis lost its copy or a notification was missed.
struct PostgresRevocations: Sendable {
    let database: Database

    /// Records that token `tokenID` of `userID` is revoked until `expiresAt` (seconds since 1970).
    func revoke(tokenID: String, userID: Int64, expiresAt: Int64) async throws {
        let logger = database.logger
        try await database.run { client in
            try await client.query(
                """
                INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES (\(tokenID), \(userID), to_timestamp(\(Double(expiresAt))))
                ON CONFLICT (jti) DO NOTHING
                """,
                logger: logger
            )
        }
    }

    /// Whether the token is revoked or its account deleted (or gone).
    func isRevoked(tokenID: String, userID: Int64) async throws -> Bool {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                """
                SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = \(tokenID))
                    OR NOT EXISTS (SELECT 1 FROM users WHERE id = \(userID) AND deleted_at IS NULL)
                """,
                logger: logger
            )
            for try await revoked in rows.decode(Bool.self) { return revoked }
            return true
        }
    }

    /// What was revoked at or after `since` (seconds since 1970): tokens with their expiry, and
    /// deleted users; `latest` is the newest time seen (the next call's `since`).
    struct Changes: Sendable {
        var tokens: [(tokenID: String, userID: Int64, expiresAt: Int64)] = []
        var users: [Int64] = []
        var latest: Double
    }

    /// The revocations made at or after `since` that have not expired yet (all of them from 0).
    func changes(since: Double, userWindow: Duration) async throws -> Changes {
        let logger = database.logger
        let window = Double(userWindow.components.seconds)
        return try await database.run { client in
            var changes = Changes(latest: since)
            let tokens = try await client.query(
                """
                SELECT jti, user_id, extract(epoch FROM expires_at)::int8, extract(epoch FROM revoked_at)::float8
                FROM revoked_tokens WHERE revoked_at >= to_timestamp(\(since)) AND expires_at > now()
                """,
                logger: logger
            )
            for try await (tokenID, userID, expiresAt, revokedAt) in tokens.decode((String, Int64, Int64, Double).self) {
                changes.tokens.append((tokenID, userID, expiresAt))
                changes.latest = max(changes.latest, revokedAt)
            }
            let users = try await client.query(
                """
                SELECT id, extract(epoch FROM deleted_at)::float8 FROM users
                WHERE deleted_at >= to_timestamp(\(since)) AND deleted_at > now() - make_interval(secs => \(window))
                """,
                logger: logger
            )
            for try await (userID, deletedAt) in users.decode((Int64, Double).self) {
                changes.users.append(userID)
                changes.latest = max(changes.latest, deletedAt)
            }
            return changes
        }
    }
}
