import ChorusTestSupport
import ClusterKit
import Foundation
import Testing

/// Sends `msg <prefix><i>` for every i in `indexes` until each is acked (retrying `unavailable`);
/// returns the acks and how long after `start` the first index from `firstNew` on was acked:
/// the time until the room was writable again.
func sendThroughFault(
    _ client: ChatClient, room: Int64, prefix: String, indexes: Range<Int>, firstNew: Int, start: ContinuousClock.Instant
) async throws -> (acked: [String: Int64], writableAfter: Duration?) {
    var acked: [String: Int64] = [:]
    var writableAfter: Duration?
    for index in indexes {
        acked["\(prefix)\(index)"] = try await WorkerFailoverTests.sendUntilAcked(client, room: room, id: "\(prefix)\(index)")
        if writableAfter == nil, index >= firstNew { writableAfter = ContinuousClock.now - start }
    }
    return (acked, writableAfter)
}

/// Checks shared by the fault tests: what must hold after any fault, seen from the outside.
extension TestCluster {
    /// The worker that owns `room` on a ring of this cluster's workers.
    func owner(of room: Int64) throws -> NodeProcess {
        let ring = HashRing(nodes: workers.map(\.nodeID))
        return try #require(workers.first { $0.nodeID == ring.owner(of: room) })
    }

    /// The room's history: seqs contiguous from 1, each `client_msg_id` stored once, and every
    /// acked message stored with the seq its ack gave.
    @discardableResult
    func expectIntactHistory(room: Int64, token: String, acked: [String: Int64]) async throws -> [StoredMessage] {
        let history = try await self.history(room: room, token: token)
        #expect(history.map(\.seq) == (0..<history.count).map { Int64($0 + 1) }, "seqs are not contiguous from 1")
        let ids = history.compactMap(\.clientMessageID)
        #expect(Set(ids).count == ids.count, "a client_msg_id was stored twice")
        for (id, seq) in acked {
            #expect(history.first { $0.clientMessageID == id }?.seq == seq, "\(id) acked as \(seq)")
        }
        return history
    }

    /// A fresh connection that joins with `since_seq: 0` gets exactly `history`, in order.
    func expectResumeDelivers(_ history: [StoredMessage], room: Int64, token: String, through gateway: Int = 0) async throws {
        let resumed = try await connect(token: token, through: gateway)
        resumed.send(#"{"type":"join","room_id":\#(room),"since_seq":0}"#)
        #expect(try await resumed.next(type: "joined")["last_seq"].int == Int64(history.count))
        var seqs: [Int64] = []
        while seqs.count < history.count { seqs.append(try #require(try await resumed.next(type: "message")["seq"].int)) }
        #expect(seqs == history.map(\.seq))
        await resumed.close()
    }
}
