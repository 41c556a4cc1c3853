import ChorusTestSupport
import ClusterKit
import Foundation
import Logging
import PostgresNIO
import Testing

/// A worker joins a running cluster: only the rooms the ring moves change owner, and they are
/// handed over without loss or duplicate seqs while clients keep sending.
@Suite struct ScaleOutTests {
    @Test func workerAdded_movedRoomsAreHandedOver_withoutLoss() async throws {
        let cluster = try await TestCluster(gateways: 1, workers: 2)
        let writer = try await cluster.register("writer")
        var rooms: [Int64] = []
        for _ in 0..<12 { rooms.append(try await cluster.createRoom(token: writer.token)) }
        let before = HashRing(nodes: cluster.workers.map(\.nodeID))
        let newWorker = "\(cluster.name)-worker-3"
        let after = before.adding(newWorker)
        let moved = rooms.filter { after.owner(of: $0) == newWorker }
        try #require(!moved.isEmpty, "no room moves to the new worker; pick more rooms")

        let w = try await cluster.connect(token: writer.token)
        for room in rooms {
            w.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await w.next("joined \(room)") { $0["type"].string == "joined" && $0["room_id"].int == room }
        }
        var acked: [Int64: [String: Int64]] = [:]
        func round(_ index: Int) async throws {
            for room in rooms {
                let id = "r\(room)-\(index)"
                acked[room, default: [:]][id] = try await WorkerFailoverTests.sendUntilAcked(w, room: room, id: id)
            }
        }
        for index in 0..<3 { try await round(index) }
        let added = try await cluster.addWorker(index: 3)
        let addedAt = ContinuousClock.now
        for index in 3..<10 { try await round(index) }
        print("scale out: \(moved.count) of \(rooms.count) rooms moved; 7 rounds of sends took \(ContinuousClock.now - addedAt)")

        let unavailable = w.frames.filter { $0["type"].string == "error" && $0["code"].string == "unavailable" }.count
        print("scale out: \(unavailable) unavailable answers during the hand-over")
        for room in rooms {
            let history = try await cluster.expectIntactHistory(room: room, token: writer.token, acked: acked[room] ?? [:])
            #expect(history.count == acked[room]?.count)
        }
        // The moved rooms are now owned by the new worker's session, the others stayed.
        let owned = try await TestDatabase.withConnection { connection in
            var ids: [Int64] = []
            let rows = try await connection.query(
                "SELECT r.id FROM rooms r JOIN worker_sessions s ON s.id = r.owner_session WHERE s.node_id = \(newWorker) ORDER BY r.id",
                logger: .init(label: "test")
            )
            for try await id in rows.decode(Int64.self) { ids.append(id) }
            return ids
        }
        #expect(owned == moved.sorted())
        await w.close()
        await added.process.stop()
        await cluster.stop()
    }
}
