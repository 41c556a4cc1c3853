import ChorusTestSupport
import ClusterKit
import Foundation
import NIOCore
import PostgresNIO
import Testing

@testable import RoomWorker

/// The worker's group commit against hostile sends, with a gateway and a worker in this process
/// over the run's real Redis and Postgres.
@Suite struct WorkerCommitTests {
    /// One frame used to make the whole batch fail (Postgres refused it), retry for
    /// `COMMIT_RETRY_MS`, and answer every send in it `unavailable`.
    @Test func aMessagePostgresRefuses_failsAlone_andTheRestOfItsBatchCommits() async throws {
        // Long commit retries: a batch that failed as a whole would answer nobody for 20 s.
        try await InProcessCluster.run(environment: ["COMMIT_RETRY_MS": "20000"]) { cluster in
            let alice = try await cluster.register("alice")
            let room = try await cluster.createRoom(token: alice.token)
            let watcher = try await cluster.connect(token: alice.token)
            watcher.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await watcher.next(type: "joined")
            try await BusPeer.with(names: cluster.names) { peer in
                // A username the database cannot store (NUL): within every contract limit the
                // worker checks, refused by Postgres (SQLSTATE class 22).
                let poison = "bad\u{0}name"
                try await peer.publish([
                    peer.request(1, room: room, user: alice.id, username: alice.username, .send(content: "first", clientMessageID: "m1")),
                    peer.request(2, room: room, user: alice.id, username: poison, .send(content: "poison", clientMessageID: "m2")),
                    peer.request(3, room: room, user: alice.id, username: alice.username, .send(content: "second", clientMessageID: "m3")),
                    peer.request(4, room: room, user: alice.id, username: poison, .send(content: "poison", clientMessageID: nil)),
                    peer.request(5, room: room, user: alice.id, username: alice.username, .send(content: "third", clientMessageID: "m5")),
                ], to: cluster.worker.nodeID)
                let started = ContinuousClock.now
                #expect(await peer.reply(1) == .acked(seq: 1))
                #expect(await peer.reply(3) == .acked(seq: 2))
                #expect(await peer.reply(5) == .acked(seq: 3))
                for id: UInt64 in [2, 4] {
                    guard case .failed(let code, let message)? = await peer.reply(id) else {
                        Issue.record("request \(id) was not refused")
                        continue
                    }
                    #expect(code == .badRequest)
                    #expect(message.contains("SQLSTATE 22"))
                }
                // Refused alone, at once: not after the commit retries ran out.
                #expect(ContinuousClock.now - started < .seconds(15))
            }
            for (seq, content) in [(Int64(1), "first"), (2, "second"), (3, "third")] {
                let message = try await watcher.any("message \(seq)") { $0["type"].string == "message" && $0["seq"].int == seq }
                #expect(message["content"].string == content)
            }
            let stored = try await TestDatabase.withConnection { connection in
                var seqs: [Int64] = []
                for try await seq in try await connection.query("SELECT seq FROM messages WHERE room_id = \(room) ORDER BY seq", logger: .init(label: "t")).decode(Int64.self) {
                    seqs.append(seq)
                }
                return seqs
            }
            #expect(stored == [1, 2, 3])
            await watcher.close()
        }
    }

    /// The worker compared ids as Swift strings (canonical equivalence) and Postgres as bytes: the
    /// second sender was acked with the first one's seq for a message that was never stored.
    @Test func idsThatDifferOnlyInNormalization_areTwoStoredMessages() async throws {
        try await InProcessCluster.run { cluster in
            let alice = try await cluster.register("alice")
            let room = try await cluster.createRoom(token: alice.token)
            let client = try await cluster.connect(token: alice.token)
            client.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await client.next(type: "joined")
            let composed = "caf\u{E9}"
            let decomposed = "cafe\u{301}"
            client.send(#"{"type":"send","room_id":\#(room),"content":"one","client_msg_id":"\#(composed)"}"#)
            client.send(#"{"type":"send","room_id":\#(room),"content":"two","client_msg_id":"\#(decomposed)"}"#)
            let first = try await client.any("ack 1") { $0["type"].string == "ack" && $0["client_msg_id"].string.map { Array($0.utf8) == Array(composed.utf8) } == true }
            let second = try await client.any("ack 2") { $0["type"].string == "ack" && $0["client_msg_id"].string.map { Array($0.utf8) == Array(decomposed.utf8) } == true }
            #expect(Set([first["seq"].int, second["seq"].int]) == [1, 2])
            // A resend of each is acked with its own seq.
            client.send(#"{"type":"send","room_id":\#(room),"content":"two","client_msg_id":"\#(decomposed)"}"#)
            let acks = { client.frames.filter { $0["type"].string == "ack" } }
            #expect(await eventually { acks().count >= 3 })
            #expect(acks().last?["seq"].int == second["seq"].int)
            let stored = try await TestDatabase.withConnection { connection in
                var rows: [String] = []
                for try await (content, id) in try await connection.query("SELECT content, client_msg_id FROM messages WHERE room_id = \(room) ORDER BY seq", logger: .init(label: "t")).decode((String, String).self) {
                    rows.append("\(content):\(Array(id.utf8).count)")
                }
                return rows
            }
            #expect(stored == ["one:5", "two:6"])
            await client.close()
        }
    }

    /// A `client_msg_id` of one Character but 2,801 UTF-8 bytes passed the gateway's length check.
    @Test func aClientMessageIDOverSixtyFourBytes_isRefusedByTheGatewayAndTheWorker() async throws {
        try await InProcessCluster.run { cluster in
            let alice = try await cluster.register("alice")
            let room = try await cluster.createRoom(token: alice.token)
            let longID = "a" + String(repeating: "\u{301}", count: 1_400)
            try await BusPeer.with(names: cluster.names) { peer in
                try await peer.publish(
                    [peer.request(1, room: room, user: alice.id, username: alice.username, .send(content: "x", clientMessageID: longID))],
                    to: cluster.worker.nodeID
                )
                guard case .failed(let code, _)? = await peer.reply(1) else {
                    Issue.record("the worker accepted a 2,801-byte client_msg_id")
                    return
                }
                #expect(code == .badRequest)
            }
            let client = try await cluster.connect(token: alice.token)
            client.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await client.next(type: "joined")
            client.send(#"{"type":"send","room_id":\#(room),"content":"x","client_msg_id":"\#(longID)"}"#)
            let error = try await client.next(type: "error")
            #expect(error["code"].string == "bad_request")
            await client.close()
        }
    }
}
