import Foundation
import PostgresNIO

/// Rooms and their message history in Postgres. A closed room is kept (history stays) but is
/// invisible to the API; a private room is visible to its participants only.
struct PostgresRoomStore: Sendable {
    let database: Database

    typealias Row = (Int64, String, Int64?, Date, Int64, String, String, Bool, String?)

    /// The columns of a `Row`, for a query on `rooms r` left-joined to the reader's `room_participants p`.
    static let columns = "r.id, r.name, r.owner_id, r.created_at, r.last_seq, r.visibility, r.topic, r.dm_low IS NOT NULL, p.role"

    static func record(_ row: Row) -> RoomRecord {
        RoomRecord(
            id: row.0, name: row.1, ownerID: row.2, createdAt: row.3, lastSeq: row.4, visibility: row.5, topic: row.6,
            isDirect: row.7, role: row.8.flatMap(ParticipantRole.init(rawValue:))
        )
    }

    /// Creates a room owned by `ownerID`; a private room gets its owner as first participant (in
    /// the same statement).
    func create(name: String, topic: String = "", ownerID: Int64, isPrivate: Bool = false) async throws -> RoomRecord {
        let logger = database.logger
        let visibility = isPrivate ? "private" : "public"
        return try await database.run { client in
            do {
                let rows = try await client.query(
                    """
                    WITH r AS (
                      INSERT INTO rooms (name, topic, owner_id, visibility) VALUES (\(name), \(topic), \(ownerID), \(visibility))
                      RETURNING *
                    ), p AS (
                      INSERT INTO room_participants (room_id, user_id, role)
                      SELECT id, owner_id, 'owner' FROM r WHERE visibility = 'private' RETURNING room_id, role
                    )
                    SELECT \(unescaped: Self.columns) FROM r LEFT JOIN p ON p.room_id = r.id
                    """,
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
    /// participants only, by `PostgresParticipantStore.rooms(of:)`).
    func list(afterID: Int64, limit: Int) async throws -> [RoomRecord] {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.columns) FROM rooms r LEFT JOIN room_participants p ON false
                WHERE r.closed_at IS NULL AND r.visibility = 'public' AND r.id > \(afterID) ORDER BY r.id LIMIT \(limit)
                """,
                logger: logger
            )
            var rooms: [RoomRecord] = []
            for try await row in rows.decode(Row.self) { rooms.append(Self.record(row)) }
            return rooms
        }
    }

    /// Renames the open room `id` and/or sets its topic (nil: unchanged); nil if it is not open.
    /// The record carries `viewer`'s role.
    func update(id: Int64, name: String?, topic: String?, viewer: Int64) async throws -> RoomRecord? {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                """
                WITH r AS (
                  UPDATE rooms SET name = coalesce(\(name), name), topic = coalesce(\(topic), topic)
                  WHERE id = \(id) AND closed_at IS NULL RETURNING *
                )
                SELECT \(unescaped: Self.columns) FROM r LEFT JOIN room_participants p ON p.room_id = r.id AND p.user_id = \(viewer)
                """,
                logger: logger
            )
            for try await row in rows.decode(Row.self) { return Self.record(row) }
            return nil
        }
    }

    /// The open room `id` as `viewer` sees it: `nil` if it is unknown, closed, or private and
    /// `viewer` is not a participant (one answer for all three, so that ids leak nothing). Read
    /// fresh on every call, in the one query that reads the room: a removal takes effect at once
    /// on every gateway, and costs no extra round trip.
    func find(id: Int64, viewer: Int64) async throws -> RoomRecord? {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.columns) FROM rooms r
                LEFT JOIN room_participants p ON p.room_id = r.id AND p.user_id = \(viewer)
                WHERE r.id = \(id) AND r.closed_at IS NULL AND (r.visibility = 'public' OR p.user_id IS NOT NULL)
                """,
                logger: logger
            )
            for try await row in rows.decode(Row.self) { return Self.record(row) }
            return nil
        }
    }

    /// Closes room `id` if `userID` owns it and it is open; `false` otherwise.
    func close(id: Int64, by userID: Int64) async throws -> Bool {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                "UPDATE rooms SET closed_at = now() WHERE id = \(id) AND owner_id = \(userID) AND closed_at IS NULL RETURNING id",
                logger: logger
            )
            for try await _ in rows { return true }
            return false
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
