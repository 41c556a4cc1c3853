import Foundation
import PostgresNIO

/// Rooms and their message history in Postgres. A closed room is kept (history stays) but is
/// invisible to the API.
struct PostgresRoomStore: Sendable {
    let database: Database

    private typealias Row = (Int64, String, Int64, Date, Int64, String, String)

    private static func record(_ row: Row) -> RoomRecord {
        RoomRecord(id: row.0, name: row.1, ownerID: row.2, createdAt: row.3, lastSeq: row.4, visibility: row.5, topic: row.6)
    }

    func create(name: String, topic: String = "", ownerID: Int64) async throws -> RoomRecord {
        let logger = database.logger
        return try await database.run { client in
            do {
                let rows = try await client.query(
                    "INSERT INTO rooms (name, topic, owner_id) VALUES (\(name), \(topic), \(ownerID)) RETURNING id, name, owner_id, created_at, last_seq, visibility, topic",
                    logger: logger
                )
                for try await row in rows.decode(Row.self) { return Self.record(row) }
                throw PostgresError.protocol("INSERT returned no row")
            } catch let error as PSQLError where error.sqlState == "23503" {
                // A validly signed token whose user does not exist (any more): not a server error.
                throw APIError(.unauthorized, "account no longer exists")
            }
        }
    }

    /// Open public rooms with id above `afterID`, ascending (private rooms are listed to their
    /// participants only).
    func list(afterID: Int64, limit: Int) async throws -> [RoomRecord] {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                """
                SELECT id, name, owner_id, created_at, last_seq, visibility, topic FROM rooms
                WHERE closed_at IS NULL AND visibility = 'public' AND id > \(afterID) ORDER BY id LIMIT \(limit)
                """,
                logger: logger
            )
            var rooms: [RoomRecord] = []
            for try await row in rows.decode(Row.self) { rooms.append(Self.record(row)) }
            return rooms
        }
    }

    /// Renames the open room `id` and/or sets its topic (nil: unchanged); nil if it is not open.
    func update(id: Int64, name: String?, topic: String?) async throws -> RoomRecord? {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                """
                UPDATE rooms SET name = coalesce(\(name), name), topic = coalesce(\(topic), topic)
                WHERE id = \(id) AND closed_at IS NULL
                RETURNING id, name, owner_id, created_at, last_seq, visibility, topic
                """,
                logger: logger
            )
            for try await row in rows.decode(Row.self) { return Self.record(row) }
            return nil
        }
    }

    /// The open room `id`.
    func find(id: Int64) async throws -> RoomRecord? {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                "SELECT id, name, owner_id, created_at, last_seq, visibility, topic FROM rooms WHERE id = \(id) AND closed_at IS NULL",
                logger: logger
            )
            for try await row in rows.decode(Row.self) { return Self.record(row) }
            return nil
        }
    }

    enum CloseResult: Sendable { case closed, forbidden, notFound }

    /// Closes room `id` if `userID` owns it.
    func close(id: Int64, by userID: Int64) async throws -> CloseResult {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                """
                WITH room AS (SELECT id, owner_id FROM rooms WHERE id = \(id) AND closed_at IS NULL),
                closed AS (
                  UPDATE rooms SET closed_at = now() WHERE id IN (SELECT id FROM room WHERE owner_id = \(userID))
                  RETURNING id
                )
                SELECT owner_id FROM room
                """,
                logger: logger
            )
            for try await ownerID in rows.decode(Int64.self) { return ownerID == userID ? .closed : .forbidden }
            return .notFound
        }
    }

    /// A page of room `roomID`'s history, ascending seq (see the contract's messages row): with
    /// `afterSeq`, the first `limit` after it (and before `beforeSeq`); without, the last `limit`
    /// before `beforeSeq` (or the latest).
    func messages(roomID: Int64, afterSeq: Int64?, beforeSeq: Int64?, limit: Int) async throws -> [MessageRecord] {
        let logger = database.logger
        let after = afterSeq ?? 0
        let before = beforeSeq ?? Int64.max
        let ascending = afterSeq != nil
        return try await database.run { client in
            let rows: PostgresRowSequence
            if ascending {
                rows = try await client.query(
                    """
                    SELECT room_id, seq, user_id, username, content, client_msg_id, sent_at FROM messages
                    WHERE room_id = \(roomID) AND seq > \(after) AND seq < \(before) ORDER BY seq LIMIT \(limit)
                    """,
                    logger: logger
                )
            } else {
                rows = try await client.query(
                    """
                    SELECT room_id, seq, user_id, username, content, client_msg_id, sent_at FROM messages
                    WHERE room_id = \(roomID) AND seq > \(after) AND seq < \(before) ORDER BY seq DESC LIMIT \(limit)
                    """,
                    logger: logger
                )
            }
            var messages: [MessageRecord] = []
            for try await (room, seq, user, name, content, clientID, sentAt) in rows.decode(
                (Int64, Int64, Int64, String, String, String?, Date).self
            ) {
                messages.append(
                    MessageRecord(roomID: room, seq: seq, userID: user, username: name, content: content, clientMessageID: clientID, sentAt: sentAt)
                )
            }
            return ascending ? messages : messages.reversed()
        }
    }
}
