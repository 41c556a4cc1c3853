import Foundation
import PostgresNIO

/// The participants of private rooms, direct messages, and the rooms a user takes part in
/// (contract v1.1). Only private rooms have rows here.
struct PostgresParticipantStore: Sendable {
    let database: Database

    struct Participant: Sendable, Equatable {
        let userID: Int64
        let username: String
        let role: ParticipantRole
        let addedAt: Date
    }

    /// Room `roomID`'s live participants with id above `afterID`, ascending.
    func list(roomID: Int64, afterID: Int64, limit: Int) async throws -> [Participant] {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                """
                SELECT p.user_id, u.username, p.role, p.added_at FROM room_participants p JOIN users u ON u.id = p.user_id
                WHERE p.room_id = \(roomID) AND p.user_id > \(afterID) AND u.deleted_at IS NULL ORDER BY p.user_id LIMIT \(limit)
                """,
                logger: logger
            )
            var participants: [Participant] = []
            for try await (userID, username, role, addedAt) in rows.decode((Int64, String, String, Date).self) {
                guard let role = ParticipantRole(rawValue: role) else { continue }
                participants.append(Participant(userID: userID, username: username, role: role, addedAt: addedAt))
            }
            return participants
        }
    }

    /// `userID`'s role in room `roomID`, `nil` if it is not a participant.
    func role(roomID: Int64, userID: Int64) async throws -> ParticipantRole? {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                "SELECT role FROM room_participants WHERE room_id = \(roomID) AND user_id = \(userID)", logger: logger
            )
            for try await role in rows.decode(String.self) { return ParticipantRole(rawValue: role) }
            return nil
        }
    }

    enum AddResult: Sendable, Equatable {
        case added
        /// Already a participant (nothing changed).
        case present
        /// No live user has that id.
        case unknownUser
    }

    /// Adds live user `userID` to room `roomID` with `role`, unless it is already a participant.
    func add(roomID: Int64, userID: Int64, role: ParticipantRole) async throws -> AddResult {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                """
                WITH u AS (SELECT id FROM users WHERE id = \(userID) AND deleted_at IS NULL),
                added AS (
                  INSERT INTO room_participants (room_id, user_id, role) SELECT \(roomID), id, \(role.rawValue) FROM u
                  ON CONFLICT (room_id, user_id) DO NOTHING RETURNING user_id
                )
                SELECT EXISTS (SELECT 1 FROM u), EXISTS (SELECT 1 FROM added)
                """,
                logger: logger
            )
            for try await (exists, added) in rows.decode((Bool, Bool).self) {
                return !exists ? .unknownUser : added ? .added : .present
            }
            return .unknownUser
        }
    }

    /// Sets a participant's role; `false` if it is not a participant.
    func setRole(roomID: Int64, userID: Int64, role: ParticipantRole) async throws -> Bool {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                "UPDATE room_participants SET role = \(role.rawValue) WHERE room_id = \(roomID) AND user_id = \(userID) RETURNING user_id",
                logger: logger
            )
            for try await _ in rows { return true }
            return false
        }
    }

    /// Removes a participant; `false` if it was not one.
    func remove(roomID: Int64, userID: Int64) async throws -> Bool {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                "DELETE FROM room_participants WHERE room_id = \(roomID) AND user_id = \(userID) RETURNING user_id", logger: logger
            )
            for try await _ in rows { return true }
            return false
        }
    }

    /// The owner and admins of room `roomID` (everyone else is a member).
    func privileged(roomID: Int64) async throws -> (ownerID: Int64?, adminIDs: [Int64]) {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                "SELECT user_id, role FROM room_participants WHERE room_id = \(roomID) AND role <> 'member' ORDER BY user_id",
                logger: logger
            )
            var owner: Int64?
            var admins: [Int64] = []
            for try await (userID, role) in rows.decode((Int64, String).self) {
                if role == ParticipantRole.owner.rawValue { owner = userID } else { admins.append(userID) }
            }
            return (owner, admins)
        }
    }

    /// The open private rooms and direct messages `userID` takes part in, id above `afterID`, ascending.
    func rooms(of userID: Int64, afterID: Int64, limit: Int) async throws -> [RoomRecord] {
        let logger = database.logger
        return try await database.run { client in
            let rows = try await client.query(
                """
                SELECT \(unescaped: PostgresRoomStore.columns) FROM room_participants p JOIN rooms r ON r.id = p.room_id
                WHERE p.user_id = \(userID) AND p.room_id > \(afterID) AND r.closed_at IS NULL ORDER BY p.room_id LIMIT \(limit)
                """,
                logger: logger
            )
            var rooms: [RoomRecord] = []
            for try await row in rows.decode(PostgresRoomStore.Row.self) { rooms.append(PostgresRoomStore.record(row)) }
            return rooms
        }
    }

    /// The direct message of live users `userID` and `otherID` (different), made on first use:
    /// `created` tells which. `nil` if `otherID` is not a live user. Two first calls at once make
    /// one room (the pair's unique index).
    func directMessage(_ userID: Int64, _ otherID: Int64) async throws -> (room: RoomRecord, created: Bool)? {
        let logger = database.logger
        let low = min(userID, otherID)
        let high = max(userID, otherID)
        return try await database.run { client in
            let made = try await client.query(
                """
                WITH pair AS (
                  SELECT lo.username AS lo_name, hi.username AS hi_name FROM users lo, users hi
                  WHERE lo.id = \(low) AND hi.id = \(high) AND lo.deleted_at IS NULL AND hi.deleted_at IS NULL
                ), r AS (
                  INSERT INTO rooms (name, owner_id, visibility, dm_low, dm_high)
                  SELECT lo_name || ' & ' || hi_name, NULL, 'private', \(low), \(high) FROM pair
                  ON CONFLICT (dm_low, dm_high) WHERE dm_low IS NOT NULL DO NOTHING
                  RETURNING *
                ), p AS (
                  INSERT INTO room_participants (room_id, user_id, role)
                  SELECT r.id, u, 'member' FROM r, unnest(ARRAY[\(low), \(high)]::int8[]) AS u
                  RETURNING room_id, user_id, role
                )
                SELECT \(unescaped: PostgresRoomStore.columns), EXISTS (SELECT 1 FROM pair)
                FROM (SELECT 1) one LEFT JOIN r ON true LEFT JOIN p ON p.room_id = r.id AND p.user_id = \(userID)
                """,
                logger: logger
            )
            for try await row in made.decode((Int64?, String?, Int64?, Date?, Int64?, String?, String?, Bool?, String?, Bool).self) {
                guard row.9 else { return nil }
                if let id = row.0, let name = row.1, let createdAt = row.3, let lastSeq = row.4, let visibility = row.5, let topic = row.6 {
                    let room = RoomRecord(
                        id: id, name: name, ownerID: nil, createdAt: createdAt, lastSeq: lastSeq, visibility: visibility, topic: topic,
                        isDirect: true, role: .member
                    )
                    return (room, true)
                }
            }
            let existing = try await client.query(
                """
                SELECT \(unescaped: PostgresRoomStore.columns) FROM rooms r
                LEFT JOIN room_participants p ON p.room_id = r.id AND p.user_id = \(userID)
                WHERE r.dm_low = \(low) AND r.dm_high = \(high)
                """,
                logger: logger
            )
            for try await row in existing.decode(PostgresRoomStore.Row.self) { return (PostgresRoomStore.record(row), false) }
            throw PostgresError.protocol("direct message neither made nor found")
        }
    }
}
