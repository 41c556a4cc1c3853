import ClusterKit
import LoadKit
import Logging
import PostgresNIO

/// Reads what a run stored and checks it against the ledger (`StoreVerifier`).
enum StoredMessages {
    static func check(url: PostgresURL, ledger: SendLedger, roomIDs: [Int64], idPrefix: String, logger: Logger) async throws -> StoreCheck {
        var logger = logger
        // The pool warns when the first query comes before its run loop started; that is harmless here.
        logger.logLevel = .error
        let client = PostgresClient(url: url, poolSize: 1, logger: logger)
        return try await withThrowingTaskGroup(of: StoreCheck?.self) { tasks in
            tasks.addTask {
                await client.run()
                return nil
            }
            defer { tasks.cancelAll() }
            var verifier = StoreVerifier(ledger: ledger, roomIDs: roomIDs, idPrefix: idPrefix)
            let rows = try await client.query(
                "SELECT room_id, seq, client_msg_id FROM messages WHERE room_id = ANY(\(roomIDs))", logger: logger
            )
            for try await (roomID, seq, clientMessageID) in rows.decode((Int64, Int64, String?).self) {
                verifier.add(roomID: roomID, seq: seq, clientMessageID: clientMessageID)
            }
            var lastSeqs: [Int64: Int64] = [:]
            let rooms = try await client.query("SELECT id, last_seq FROM rooms WHERE id = ANY(\(roomIDs))", logger: logger)
            for try await (roomID, lastSeq) in rooms.decode((Int64, Int64).self) { lastSeqs[roomID] = lastSeq }
            return verifier.finish(lastSeqs: lastSeqs)
        }
    }
}
