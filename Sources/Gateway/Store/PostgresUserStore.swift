import Foundation
import PostgresNIO

/// Users and follows in Postgres. Deleted users are kept (their messages stay in history) but are
/// invisible: not found, not listed, unable to log in.
struct PostgresUserStore: Sendable {
    let database: Database

    enum CreateError: Error { case usernameTaken, emailTaken }

    /// Whether a live user already has this username or email (case-insensitively): checked
    /// before the password is hashed, so a taken name costs no hash.
    func isTaken(username: String, email: String) async throws -> Bool {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                """
                SELECT EXISTS (SELECT 1 FROM users WHERE deleted_at IS NULL
                               AND (lower(username) = lower(\(username)) OR lower(email) = lower(\(email))))
                """,
                logger: logger
            )
            for try await taken in rows.decode(Bool.self) { return taken }
            return false
        }
    }

    /// Inserts a user; throws `CreateError` when the username or email is taken (case-insensitively).
    func create(username: String, email: String, passwordHash: String) async throws -> UserRecord {
        let logger = database.logger
        return try await database.run { client in
            do {
                let rows = try await client.query(
                    """
                    INSERT INTO users (username, email, password_hash) VALUES (\(username), \(email), \(passwordHash))
                    RETURNING id, username, email, created_at
                    """,
                    logger: logger
                )
                for try await (id, username, email, createdAt) in rows.decode((Int64, String, String, Date).self) {
                    return UserRecord(id: id, username: username, email: email, createdAt: createdAt)
                }
                throw PostgresError.protocol("INSERT returned no row")
            } catch let error as PSQLError where error.sqlState == "23505" {
                throw error.constraintName == "users_email_key" ? CreateError.emailTaken : CreateError.usernameTaken
            }
        }
    }

    /// The live user with this username or email (case-insensitive) and its password hash.
    func credentials(username: String?, email: String?) async throws -> (UserRecord, String)? {
        let logger = database.logger
        return try await database.run { client in
            let rows: PostgresRowSequence
            if let username {
                rows = try await client.query(
                    """
                    SELECT id, username, email, created_at, password_hash FROM users
                    WHERE lower(username) = lower(\(username)) AND deleted_at IS NULL
                    """,
                    logger: logger
                )
            } else {
                rows = try await client.query(
                    """
                    SELECT id, username, email, created_at, password_hash FROM users
                    WHERE lower(email) = lower(\(email ?? "")) AND deleted_at IS NULL
                    """,
                    logger: logger
                )
            }
            for try await (id, name, mail, createdAt, hash) in rows.decode((Int64, String, String, Date, String).self) {
                return (UserRecord(id: id, username: name, email: mail, createdAt: createdAt), hash)
            }
            return nil
        }
    }

    /// The live user `id` with its follower counts.
    func profile(id: Int64) async throws -> UserProfile? {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                """
                SELECT u.id, u.username, u.email, u.created_at,
                  (SELECT count(*) FROM follows f JOIN users o ON o.id = f.follower_id AND o.deleted_at IS NULL
                     WHERE f.followee_id = u.id),
                  (SELECT count(*) FROM follows f JOIN users o ON o.id = f.followee_id AND o.deleted_at IS NULL
                     WHERE f.follower_id = u.id)
                FROM users u WHERE u.id = \(id) AND u.deleted_at IS NULL
                """,
                logger: logger
            )
            for try await (id, name, mail, createdAt, followers, following) in rows.decode(
                (Int64, String, String, Date, Int64, Int64).self
            ) {
                return UserProfile(
                    user: UserRecord(id: id, username: name, email: mail, createdAt: createdAt),
                    followers: followers,
                    following: following
                )
            }
            return nil
        }
    }

    /// Whether `id` is a live user.
    func exists(id: Int64) async throws -> Bool {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query("SELECT 1 FROM users WHERE id = \(id) AND deleted_at IS NULL", logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }

    /// `follower` follows `followee` (idempotent). Returns `false` if `followee` is not a live user.
    func follow(follower: Int64, followee: Int64) async throws -> Bool {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                """
                WITH target AS (SELECT id FROM users WHERE id = \(followee) AND deleted_at IS NULL),
                inserted AS (
                  INSERT INTO follows (follower_id, followee_id) SELECT \(follower), id FROM target
                  ON CONFLICT DO NOTHING
                )
                SELECT count(*) FROM target
                """,
                logger: logger
            )
            for try await count in rows.decode(Int64.self) { return count > 0 }
            return false
        }
    }

    /// `follower` no longer follows `followee` (idempotent).
    func unfollow(follower: Int64, followee: Int64) async throws {
        let logger = database.logger
        try await database.run { client in
            try await client.query(
                "DELETE FROM follows WHERE follower_id = \(follower) AND followee_id = \(followee)",
                logger: logger
            )
        }
    }

    enum Direction: Sendable { case followers, following }

    /// Live users following `id` (or followed by it), ascending id after `afterID`.
    func list(_ direction: Direction, of id: Int64, afterID: Int64, limit: Int) async throws -> [UserRecord] {
        let logger = database.logger
        return try await database.run { client in
            let rows: PostgresRowSequence
            switch direction {
            case .followers:
                rows = try await client.query(
                    """
                    SELECT u.id, u.username, u.email, u.created_at FROM follows f
                    JOIN users u ON u.id = f.follower_id AND u.deleted_at IS NULL
                    WHERE f.followee_id = \(id) AND u.id > \(afterID) ORDER BY u.id LIMIT \(limit)
                    """,
                    logger: logger
                )
            case .following:
                rows = try await client.query(
                    """
                    SELECT u.id, u.username, u.email, u.created_at FROM follows f
                    JOIN users u ON u.id = f.followee_id AND u.deleted_at IS NULL
                    WHERE f.follower_id = \(id) AND u.id > \(afterID) ORDER BY u.id LIMIT \(limit)
                    """,
                    logger: logger
                )
            }
            var users: [UserRecord] = []
            for try await (id, name, mail, createdAt) in rows.decode((Int64, String, String, Date).self) {
                users.append(UserRecord(id: id, username: name, email: mail, createdAt: createdAt))
            }
            return users
        }
    }

    /// Marks the user deleted and drops its follows; its messages stay. Idempotent.
    func delete(id: Int64) async throws {
        let logger = database.logger
        try await database.run { client in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("UPDATE users SET deleted_at = now() WHERE id = \(id) AND deleted_at IS NULL", logger: logger)
                try await connection.query("DELETE FROM follows WHERE follower_id = \(id) OR followee_id = \(id)", logger: logger)
            }
        }
    }
}
