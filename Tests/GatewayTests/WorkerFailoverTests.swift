import ChorusTestSupport
import ClusterKit
import Foundation
import Testing

/// A worker is SIGKILLed while clients keep sending to one of its rooms.
@Suite struct WorkerFailoverTests {
    /// Sends `content` with `id` until acked, retrying `unavailable` like a real client; returns the seq.
    static func sendUntilAcked(_ client: ChatClient, room: Int64, id: String, timeout: Duration = .seconds(30)) async throws -> Int64 {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            client.send(#"{"type":"send","room_id":\#(room),"content":"msg \#(id)","client_msg_id":"\#(id)"}"#)
            let answer = try await client.next("answer to \(id)", timeout: .seconds(10)) {
                ($0["type"].string == "ack" && $0["client_msg_id"].string == id) || ($0["type"].string == "error" && $0["ref"].string == id)
            }
            if answer["type"].string == "ack", let seq = answer["seq"].int { return seq }
            #expect(answer["code"].string == "unavailable", "unexpected error \(answer.value ?? "nil")")
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestCluster.Unexpected(what: "\(id) was never acked")
    }

    @Test func messagesStayContiguousAndDurable_whenTheOwnerWorkerIsKilled() async throws {
        let cluster = try await TestCluster()
        let writer = try await cluster.register("writer")
        let reader = try await cluster.register("reader")
        let room = try await cluster.createRoom(token: writer.token)
        let owner = try cluster.owner(of: room)

        let w = try await cluster.connect(token: writer.token, through: 0)
        let r = try await cluster.connect(token: reader.token, through: 1)
        for client in [w, r] {
            client.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await client.next(type: "joined")
        }
        var acked: [String: Int64] = [:]
        for index in 0..<20 { acked["k\(index)"] = try await Self.sendUntilAcked(w, room: room, id: "k\(index)") }

        // Messages the client has sent but that are not acked yet when the owner dies.
        for index in 20..<25 { w.send(#"{"type":"send","room_id":\#(room),"content":"msg k\#(index)","client_msg_id":"k\#(index)"}"#) }
        owner.process.signal(SIGKILL)
        let sent = try await sendThroughFault(w, room: room, prefix: "k", indexes: 20..<60, firstNew: 25, start: .now)
        acked.merge(sent.acked) { $1 }
        let recovery = try #require(sent.writableAfter)
        print("failover: room writable again \(recovery) after SIGKILL of its owner")
        #expect(recovery < .seconds(8), "writable again only after \(recovery)")

        // Every acked message is in history exactly once, seqs contiguous.
        let history = try await cluster.expectIntactHistory(room: room, token: writer.token, acked: acked)
        #expect(Set(acked.keys) == Set(history.compactMap(\.clientMessageID)))

        // The new owner learned who is joined: presence and the members list survive the failover.
        #expect(await eventually(timeout: .seconds(15)) {
            let body = try? await cluster.gateways[1].request("/v1/rooms/\(room)/members", headers: [.authorization: "Bearer \(writer.token)"]).body
            return Set(JSON(body ?? .init())["members"].array.compactMap { $0["user_id"].int }) == [writer.id, reader.id]
        })

        // The live reader saw the same contiguous stream, and a resume from 0 misses nothing.
        #expect(await eventually(timeout: .seconds(10)) {
            r.frames.filter { $0["type"].string == "message" }.count >= history.count
        })
        #expect(r.frames.filter { $0["type"].string == "message" }.compactMap { $0["seq"].int } == history.map(\.seq))
        await r.close()
        try await cluster.expectResumeDelivers(history, room: room, token: reader.token)
        await w.close()
        await cluster.stop()
    }

    @Test func stalledOwnerThatComesBack_cannotAssignASeq() async throws {
        let cluster = try await TestCluster(gateways: 1, workers: 3)
        let writer = try await cluster.register("writer")
        let room = try await cluster.createRoom(token: writer.token)
        let owner = try cluster.owner(of: room)
        let w = try await cluster.connect(token: writer.token)
        w.send(#"{"type":"join","room_id":\#(room)}"#)
        _ = try await w.next(type: "joined")
        var acked: [String: Int64] = [:]
        for index in 0..<10 { acked["s\(index)"] = try await Self.sendUntilAcked(w, room: room, id: "s\(index)") }

        owner.process.signal(SIGSTOP)  // cut off: alive, connected, silent
        let stoppedAt = ContinuousClock.now
        // These reach the stalled owner's socket and wait there until it wakes up.
        for index in 10..<15 { w.send(#"{"type":"send","room_id":\#(room),"content":"stale \#(index)","client_msg_id":"stale\#(index)"}"#) }
        for index in 15..<30 { acked["s\(index)"] = try await Self.sendUntilAcked(w, room: room, id: "s\(index)") }
        print("stall: room writable again \(ContinuousClock.now - stoppedAt) after SIGSTOP of its owner (includes 15 sends)")

        owner.process.signal(SIGCONT)  // wakes up with old requests and a lost lease
        try await Task.sleep(for: .seconds(3))
        for index in 30..<40 { acked["s\(index)"] = try await Self.sendUntilAcked(w, room: room, id: "s\(index)") }

        let history = try await cluster.expectIntactHistory(room: room, token: writer.token, acked: acked)
        let ids = history.compactMap(\.clientMessageID)
        // A stale send may have been stored before the owner stalled, never after it lost the room.
        let staleStored = ids.filter { $0.hasPrefix("stale") }
        print("stall: \(staleStored.count) of 5 stale sends stored (each at most once)")
        #expect(owner.process.isRunning)
        let log = owner.process.output
        print("stall: the woken owner logged fence=\(log.contains("commit fenced")) session-expired=\(log.contains("session expired"))")
        await w.close()
        await cluster.stop()
    }
}
