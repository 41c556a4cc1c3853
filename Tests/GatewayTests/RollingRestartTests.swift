import ChorusTestSupport
import ClusterKit
import Foundation
import Synchronization
import Testing

/// Every worker is drained and restarted, one at a time, while a client keeps sending.
@Suite struct RollingRestartTests {
    @Test func rollingRestartOfEveryWorker_underLoad_losesNothing_andNoSendFailsAfterRetries() async throws {
        // The sender goes as fast as acks come back: lift its per-connection rate limit.
        let cluster = try await TestCluster(gateways: 1, workers: 3, environment: ["WS_RATE_PER_SEC": "100000", "WS_RATE_BURST": "100000"])
        let writer = try await cluster.register("writer")
        var rooms: [Int64] = []
        for _ in 0..<6 { rooms.append(try await cluster.createRoom(token: writer.token)) }
        let w = try await cluster.connect(token: writer.token)
        for room in rooms {
            w.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await w.next("joined \(room)") { $0["type"].string == "joined" && $0["room_id"].int == room }
        }
        let running = Atomic<Bool>(true)
        let sender = Task { () throws -> [Int64: [String: Int64]] in
            var acked: [Int64: [String: Int64]] = [:]
            var round = 0
            while running.load(ordering: .relaxed) {
                for room in rooms {
                    let id = "rr\(room)-\(round)"
                    acked[room, default: [:]][id] = try await WorkerFailoverTests.sendUntilAcked(w, room: room, id: id)
                }
                round += 1
            }
            return acked
        }
        var restarted: [NodeProcess] = []
        let started = ContinuousClock.now
        for (index, worker) in cluster.workers.enumerated() {
            try await Task.sleep(for: .milliseconds(500))
            worker.process.signal(SIGTERM)
            #expect(await worker.process.waitForExit(timeout: .seconds(20)) == 0, "\(worker.nodeID) did not drain")
            restarted.append(try await cluster.addWorker(index: index + 1))
        }
        try await Task.sleep(for: .milliseconds(500))
        running.store(false, ordering: .relaxed)
        let acked = try await sender.value
        let sent = acked.values.map(\.count).reduce(0, +)
        let unavailable = w.frames.filter { $0["type"].string == "error" && $0["code"].string == "unavailable" }.count
        print("rolling restart: 3 workers in \(ContinuousClock.now - started), \(sent) sends acked, \(unavailable) unavailable answers retried, 0 failed")
        for room in rooms {
            let history = try await cluster.expectIntactHistory(room: room, token: writer.token, acked: acked[room] ?? [:])
            #expect(history.count == acked[room]?.count, "room \(room)")
        }
        await w.close()
        for worker in restarted { await worker.process.stop() }
        await cluster.stop()
    }
}
