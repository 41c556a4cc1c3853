import ClusterKit
import Foundation
import Logging
import PostgresNIO

/// Everything a worker reads and writes in Postgres: its session, room ownership, message batches.
///
/// Ownership is fenced here, not in memory: a room is taken only from an expired (or released)
/// session, and every batch commit re-checks in the same transaction that this session still owns
/// each room, is still alive, and that `last_seq` is what this worker believes. A worker that was
/// stalled past its lease therefore cannot assign a seq, whatever its memory says.
struct WorkerStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    // MARK: Session

    /// Opens a new session for `nodeID`, alive for `ttl`.
    func openSession(nodeID: String, ttl: Duration) async throws -> Int64 {
        let rows = try await client.query(
            """
            INSERT INTO worker_sessions (node_id, expires_at)
            VALUES (\(nodeID), clock_timestamp() + \(Self.interval(ttl))::interval) RETURNING id
            """,
            logger: logger
        )
        for try await id in rows.decode(Int64.self) { return id }
        throw PostgresError.protocol("INSERT returned no row")
    }

    /// Extends a live session; `false` if it had already expired (it is then over for good: other
    /// workers may have taken its rooms).
    func renewSession(_ session: Int64, ttl: Duration) async throws -> Bool {
        let rows = try await client.query(
            """
            UPDATE worker_sessions SET expires_at = clock_timestamp() + \(Self.interval(ttl))::interval
            WHERE id = \(session) AND expires_at > clock_timestamp() RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// Ends a session now (planned shutdown): its rooms can be taken at once.
    func closeSession(_ session: Int64) async throws {
        try await client.query("UPDATE worker_sessions SET expires_at = clock_timestamp() WHERE id = \(session)", logger: logger)
    }

    // MARK: Ownership

    enum AcquireResult: Sendable, Equatable {
        /// Taken; `isPrivate`: only its participants may use it (load them with `participants`).
        case acquired(lastSeq: Int64, isPrivate: Bool)
        /// Unknown or closed room.
        case notFound
        /// Another live session owns it.
        case busy
        /// This worker's own session has expired.
        case sessionExpired
    }

    /// Takes room `roomID` for `session` if it is free, owned by an expired session, or already ours.
    func acquire(roomID: Int64, session: Int64) async throws -> AcquireResult {
        let rows = try await client.query(
            """
            UPDATE rooms r SET owner_session = \(session)
            WHERE r.id = \(roomID) AND r.closed_at IS NULL
              AND EXISTS (SELECT 1 FROM worker_sessions me WHERE me.id = \(session) AND me.expires_at > clock_timestamp())
              AND (r.owner_session IS NULL OR r.owner_session = \(session)
                   OR NOT EXISTS (SELECT 1 FROM worker_sessions s
                                  WHERE s.id = r.owner_session AND s.expires_at > clock_timestamp()))
            RETURNING r.last_seq, r.visibility = 'private'
            """,
            logger: logger
        )
        for try await (lastSeq, isPrivate) in rows.decode((Int64, Bool).self) { return .acquired(lastSeq: lastSeq, isPrivate: isPrivate) }
        let check = try await client.query(
            """
            SELECT (SELECT closed_at IS NULL FROM rooms WHERE id = \(roomID)),
                   EXISTS (SELECT 1 FROM worker_sessions WHERE id = \(session) AND expires_at > clock_timestamp())
            """,
            logger: logger
        )
        for try await (open, alive) in check.decode((Bool?, Bool).self) {
            if open != true { return .notFound }
            return alive ? .busy : .sessionExpired
        }
        return .notFound
    }

    /// The participants of a private room (read after it was acquired).
    func participants(roomID: Int64) async throws -> Set<Int64> {
        let rows = try await client.query("SELECT user_id FROM room_participants WHERE room_id = \(roomID)", logger: logger)
        var users = Set<Int64>()
        for try await userID in rows.decode(Int64.self) { users.insert(userID) }
        return users
    }

    /// Gives rooms up (handover): another worker may take them at once.
    func release(roomIDs: [Int64], session: Int64) async throws {
        guard !roomIDs.isEmpty else { return }
        try await client.query(
            "UPDATE rooms SET owner_session = NULL WHERE id = ANY(\(roomIDs)) AND owner_session = \(session)",
            logger: logger
        )
    }

    /// The last `count` messages of a room up to `lastSeq`, ascending.
    func tail(roomID: Int64, lastSeq: Int64, count: Int) async throws -> [ChatMessage] {
        guard count > 0 else { return [] }
        let rows = try await client.query(
            """
            SELECT seq, user_id, username, content, client_msg_id, (extract(epoch FROM sent_at) * 1000)::int8
            FROM messages WHERE room_id = \(roomID) AND seq > \(lastSeq - Int64(count)) AND seq <= \(lastSeq)
            ORDER BY seq
            """,
            logger: logger
        )
        var messages: [ChatMessage] = []
        for try await (seq, user, name, content, clientID, sentAt) in rows.decode((Int64, Int64, String, String, String?, Int64).self) {
            messages.append(
                ChatMessage(roomID: roomID, seq: seq, userID: user, username: name, content: content, clientMessageID: clientID, sentAt: sentAt)
            )
        }
        return messages
    }

    /// `(user, client_msg_id) → seq` for the last `window` messages of a room.
    func idempotencyKeys(roomID: Int64, lastSeq: Int64, window: Int) async throws -> [(IdempotencyKey, Int64)] {
        guard window > 0 else { return [] }
        let rows = try await client.query(
            """
            SELECT user_id, client_msg_id, seq FROM messages
            WHERE room_id = \(roomID) AND seq > \(lastSeq - Int64(window)) AND client_msg_id IS NOT NULL ORDER BY seq
            """,
            logger: logger
        )
        var keys: [(IdempotencyKey, Int64)] = []
        for try await (user, clientID, seq) in rows.decode((Int64, String, Int64).self) {
            keys.append((IdempotencyKey(userID: user, clientMessageID: clientID), seq))
        }
        return keys
    }

    // MARK: Batches

    enum CommitResult: Sendable, Equatable {
        case committed
        /// These rooms failed the fence (lost, closed, or `last_seq` moved); nothing was written.
        case fenced(Set<Int64>)
        /// These `(room, key)`s are already stored (with these seqs); nothing was written.
        case duplicates([RoomKey: Int64])
        /// Postgres refuses the messages at these batch positions on their own (a data error);
        /// nothing was written.
        case rejected([Int: CommitRejection])
    }

    /// Writes `messages` (seqs already assigned, contiguous per room after `previous[room]`) in one
    /// transaction, after checking the fence for every room in it.
    ///
    /// When Postgres refuses the batch for something a message holds (SQLSTATE class 22 or 54, or
    /// a unique violation that is not a resend) the culprits are found (`isolate`) and returned, so
    /// that they fail alone and the rest commit; errors of the connection or the transaction are thrown.
    func commit(_ messages: [ChatMessage], previous: [Int64: Int64], session: Int64) async throws -> CommitResult {
        var last: [Int64: Int64] = [:]
        for message in messages { last[message.roomID] = max(last[message.roomID] ?? 0, message.seq) }
        let roomIDs = Array(last.keys)
        let prevs = roomIDs.map { previous[$0] ?? 0 }
        let lasts = roomIDs.map { last[$0] ?? 0 }
        let logger = self.logger
        do {
            return try await client.withTransaction(logger: logger) { connection -> CommitResult in
                let fenced = try await connection.query(
                    """
                    UPDATE rooms r SET last_seq = v.last
                    FROM unnest(\(roomIDs)::int8[], \(prevs)::int8[], \(lasts)::int8[]) AS v(id, prev, last)
                    WHERE r.id = v.id AND r.last_seq = v.prev AND r.owner_session = \(session) AND r.closed_at IS NULL
                      AND EXISTS (SELECT 1 FROM worker_sessions s WHERE s.id = \(session) AND s.expires_at > clock_timestamp())
                    RETURNING r.id
                    """,
                    logger: logger
                )
                var passed = Set<Int64>()
                for try await id in fenced.decode(Int64.self) { passed.insert(id) }
                if passed.count != roomIDs.count {
                    throw Rollback.fenced(Set(roomIDs).subtracting(passed))
                }
                try await Self.insert(messages[...], on: connection, logger: logger)
                return .committed
            }
        } catch let error as PostgresTransactionError {
            if case Rollback.fenced(let rooms)? = error.closureError as? Rollback { return .fenced(rooms) }
            guard let psql = error.closureError as? PSQLError, let state = psql.serverInfo?[.sqlState] else { throw error }
            if Self.isResend(psql) {
                let stored = try await existing(messages)
                if !stored.isEmpty { return .duplicates(stored) }
            }
            if Self.isMessageError(state) {
                let refused = try await isolate(messages)
                if !refused.isEmpty {
                    logger.warning("messages refused by Postgres", metadata: ["count": "\(refused.count)", "sqlstate": "\(state)"])
                    return .rejected(refused)
                }
            }
            throw error
        }
    }

    private enum Rollback: Error { case fenced(Set<Int64>) }

    private static func insert(_ messages: ArraySlice<ChatMessage>, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO messages (room_id, seq, user_id, username, content, client_msg_id, sent_at)
            SELECT r, s, u, n, c, NULLIF(k, ''), to_timestamp(t / 1000.0)
            FROM unnest(\(messages.map(\.roomID))::int8[], \(messages.map(\.seq))::int8[], \(messages.map(\.userID))::int8[],
                        \(messages.map(\.username))::text[], \(messages.map(\.content))::text[],
                        \(messages.map { $0.clientMessageID ?? "" })::text[], \(messages.map(\.sentAt))::int8[])
                 AS v(r, s, u, n, c, k, t)
            """,
            logger: logger
        )
    }

    /// A unique violation of the idempotency key: a resend of a stored message.
    private static func isResend(_ error: PSQLError) -> Bool {
        error.serverInfo?[.sqlState] == "23505" && error.serverInfo?[.constraintName] == "messages_idempotency_key"
    }

    /// An error that a message's own data can cause: data exceptions (class 22: a byte sequence
    /// the database cannot store, a value out of range), program limits (54: an index row too
    /// large) and integrity violations (23).
    static func isMessageError(_ sqlState: String) -> Bool {
        sqlState.hasPrefix("22") || sqlState.hasPrefix("54") || sqlState.hasPrefix("23")
    }

    /// Finds the messages that Postgres refuses on their own, by inserting halves of the batch in
    /// a transaction that is rolled back (each probe under a savepoint): about 2·k·log₂(n) probes
    /// for k culprits among n. A resend is not a culprit: the next commit answers it from the keys.
    private func isolate(_ messages: [ChatMessage]) async throws -> [Int: CommitRejection] {
        let logger = self.logger
        return try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                var refused: [Int: CommitRejection] = [:]
                var ranges = [0..<messages.count]
                while let range = ranges.popLast(), !range.isEmpty {
                    try await connection.query("SAVEPOINT probe", logger: logger)
                    do {
                        try await Self.insert(messages[range], on: connection, logger: logger)
                    } catch let error as PSQLError {
                        guard let state = error.serverInfo?[.sqlState], Self.isMessageError(state) else { throw error }
                        if range.count == 1 {
                            if !Self.isResend(error) { refused[range.lowerBound] = CommitRejection(sqlState: state) }
                        } else {
                            let middle = range.lowerBound + range.count / 2
                            ranges.append(middle..<range.upperBound)
                            ranges.append(range.lowerBound..<middle)
                        }
                    }
                    try await connection.query("ROLLBACK TO SAVEPOINT probe", logger: logger)
                }
                try await connection.query("ROLLBACK", logger: logger)
                return refused
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// The stored seqs of those `messages` whose `(room, user, client_msg_id)` is already taken.
    private func existing(_ messages: [ChatMessage]) async throws -> [RoomKey: Int64] {
        let keyed = messages.filter { $0.clientMessageID != nil }
        let rows = try await client.query(
            """
            SELECT m.room_id, m.user_id, m.client_msg_id, m.seq FROM messages m
            JOIN unnest(\(keyed.map(\.roomID))::int8[], \(keyed.map(\.userID))::int8[], \(keyed.map { $0.clientMessageID ?? "" })::text[])
                 AS v(r, u, k) ON m.room_id = v.r AND m.user_id = v.u AND m.client_msg_id = v.k
            """,
            logger: logger
        )
        var found: [RoomKey: Int64] = [:]
        for try await (room, user, clientID, seq) in rows.decode((Int64, Int64, String, Int64).self) {
            found[RoomKey(roomID: room, key: IdempotencyKey(userID: user, clientMessageID: clientID))] = seq
        }
        return found
    }

    private static func interval(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return "\(milliseconds) milliseconds"
    }
}
