import ClusterKit
import Logging
import PostgresNIO

/// Direct access to the run's Postgres, for arranging rows the API cannot create yet.
public enum TestDatabase {
    /// Runs `body` with a connection to the test database (schema migrated).
    public static func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let url = try TestEnvironment.databaseURL
        let logger = Logger(label: "test.db")
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable),
            id: 1, logger: logger
        )
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Inserts messages `seqs` in `room` from `user` and sets the room's `last_seq` to the highest.
    public static func insertMessages(
        room: Int64, user: Int64, username: String, seqs: ClosedRange<Int64>, padding: Int = 0
    ) async throws {
        try await withConnection { connection in
            let logger = Logger(label: "test.db")
            try await connection.query(
                """
                INSERT INTO messages (room_id, seq, user_id, username, content, client_msg_id)
                SELECT \(room), s, \(user), \(username), repeat('x', \(padding)::int) || 'message ' || s, 'c-' || s
                FROM generate_series(\(seqs.lowerBound)::bigint, \(seqs.upperBound)::bigint) AS s
                """,
                logger: logger
            )
            try await connection.query(
                "UPDATE rooms SET last_seq = GREATEST(last_seq, \(seqs.upperBound)) WHERE id = \(room)", logger: logger
            )
        }
    }

    /// Sets a Redis hash entry of a room's members (what the owner worker keeps).
    public static func setMember(room: Int64, user: Int64, username: String, names: ChannelNames = ChannelNames()) async throws {
        let connection = try await RedisConnection.connect(to: try TestEnvironment.redisURL)
        defer { connection.close() }
        try await connection.send(["HSET", .string(names.roomMembers(room)), .string(String(user)), .string(username)])
    }
}
