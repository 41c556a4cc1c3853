import ChorusTestSupport
import ClusterKit
import Foundation
import Testing

/// The `send` frame of message `id` (content `msg <id>`, `client_msg_id` `id`).
func sendFrame(room: Int64, id: String) -> String {
    #"{"type":"send","room_id":\#(room),"content":"msg \#(id)","client_msg_id":"\#(id)"}"#
}

/// Matches the answer to the send with `client_msg_id` `id`: its ack or its error.
func isAnswer(to id: String) -> (JSON) -> Bool {
    { ($0["type"].string == "ack" && $0["client_msg_id"].string == id) || ($0["type"].string == "error" && $0["ref"].string == id) }
}

/// Sends `content` with `id` until acked, retrying `unavailable` like a real client; returns the seq.
func sendUntilAcked(_ client: ChatClient, room: Int64, id: String, timeout: Duration = .seconds(30)) async throws -> Int64 {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        client.send(sendFrame(room: room, id: id))
        let answer = try await client.next("answer to \(id)", timeout: .seconds(10), where: isAnswer(to: id))
        if answer["type"].string == "ack", let seq = answer["seq"].int { return seq }
        #expect(answer["code"].string == "unavailable", "unexpected error \(answer.value ?? "nil")")
        try await Task.sleep(for: .milliseconds(100))
    }
    throw TestCluster.Unexpected(what: "\(id) was never acked")
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
