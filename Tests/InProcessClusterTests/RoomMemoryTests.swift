import ChorusTestSupport
import ClusterKit
import Foundation
import Testing

@testable import RoomWorker

/// One join used to pin a room's tail and key window in the worker for its whole life.
@Suite struct RoomMemoryTests {
    @Test func roomsThatWentIdle_areUnloaded() async throws {
        try await InProcessCluster.run(environment: ["ROOM_IDLE_MS": "1000"]) { cluster in
            let alice = try await cluster.register("alice")
            let client = try await cluster.connect(token: alice.token)
            var rooms: [Int64] = []
            for _ in 0..<10 { rooms.append(try await cluster.createRoom(token: alice.token)) }
            for room in rooms {
                client.send(#"{"type":"join","room_id":\#(room)}"#)
                _ = try await client.next(type: "joined")
                client.send(#"{"type":"send","room_id":\#(room),"content":"hello","client_msg_id":"m"}"#)
                _ = try await client.any("ack") { $0["type"].string == "ack" && $0["room_id"].int == room }
                client.send(#"{"type":"leave","room_id":\#(room)}"#)
                _ = try await client.next(type: "left")
            }
            let executor = cluster.worker.executor
            #expect(await eventually(timeout: .seconds(10)) { await executor.loadedRoomCount == 0 })
            // An unloaded room is loaded again on its next request, with its seqs and keys intact.
            client.send(#"{"type":"join","room_id":\#(rooms[0]),"since_seq":0}"#)
            let joined = try await client.next(type: "joined")
            #expect(joined["last_seq"].int == 1)
            _ = try await client.any("replayed") { $0["type"].string == "message" && $0["room_id"].int == rooms[0] && $0["seq"].int == 1 }
            client.send(#"{"type":"send","room_id":\#(rooms[0]),"content":"hello","client_msg_id":"m"}"#)
            let ack = try await client.any("resend ack") { $0["type"].string == "ack" && $0["room_id"].int == rooms[0] }
            #expect(ack["seq"].int == 1)
            await client.close()
        }
    }

    @Test func roomStateStaysWithinTheMemoryBudget() async throws {
        try await InProcessCluster.run(environment: ["ROOM_MEMORY_MB": "1", "WS_RATE_PER_SEC": "10000", "WS_RATE_BURST": "10000"]) { cluster in
            let alice = try await cluster.register("alice")
            let client = try await cluster.connect(token: alice.token)
            let content = String(repeating: "x", count: 4_000)
            for _ in 0..<8 {
                let room = try await cluster.createRoom(token: alice.token)
                client.send(#"{"type":"join","room_id":\#(room)}"#)
                _ = try await client.next(type: "joined")
                for index in 0..<40 {
                    client.send(#"{"type":"send","room_id":\#(room),"content":"\#(content)","client_msg_id":"m\#(index)"}"#)
                }
                for index in 0..<40 {
                    _ = try await client.any("ack \(index)") { $0["type"].string == "ack" && $0["room_id"].int == room && $0["client_msg_id"].string == "m\(index)" }
                }
            }
            // 8 rooms × 40 frames of ~4 KB ≈ 1.3 MB held without a budget.
            let executor = cluster.worker.executor
            #expect(await eventually(timeout: .seconds(5)) { await executor.heldBytes <= 1 << 20 })
            #expect(await executor.loadedRoomCount == 8)  // all joined: shed, not released
            await client.close()
        }
    }
}
