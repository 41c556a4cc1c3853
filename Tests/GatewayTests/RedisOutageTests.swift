import ChorusTestSupport
import ClusterKit
import Foundation
import Testing

/// Redis goes away for a few seconds under traffic and comes back empty (a restart).
@Suite struct RedisOutageTests {
    /// 2 s: shorter than a lease. 30 s: every worker's session expires meanwhile, and the workers
    /// must open new sessions and take their rooms again.
    @Test(arguments: [2, 30])
    func redisRestart_nodesRecover_andNothingAckedIsLostOrMissed(downSeconds: Int) async throws {
        let redis = try RedisServer()
        try await redis.start()
        let cluster = try await TestCluster(gateways: 2, workers: 2, environment: ["REDIS_URL": "redis://127.0.0.1:\(redis.port)"])
        let writer = try await cluster.register("writer")
        let reader = try await cluster.register("reader")
        let room = try await cluster.createRoom(token: writer.token)
        let w = try await cluster.connect(token: writer.token, through: 0)
        let r = try await cluster.connect(token: reader.token, through: 1)
        for client in [w, r] {
            client.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await client.next(type: "joined")
        }
        var acked: [String: Int64] = [:]
        for index in 0..<10 { acked["o\(index)"] = try await WorkerFailoverTests.sendUntilAcked(w, room: room, id: "o\(index)") }

        await redis.kill()
        // Not ready while Redis is gone; sockets stay open; sends are refused, not lost.
        #expect(await eventually(timeout: .seconds(10)) {
            (try? await cluster.gateways[0].request("/readyz").status) == .serviceUnavailable
        })
        w.send(#"{"type":"send","room_id":\#(room),"content":"during","client_msg_id":"during"}"#)
        let refused = try await w.next("answer to during", timeout: .seconds(15)) {
            $0["ref"].string == "during" || $0["client_msg_id"].string == "during"
        }
        #expect(refused["code"].string == "unavailable")
        try await Task.sleep(for: .seconds(downSeconds))
        let restartedAt = ContinuousClock.now
        try await redis.start()

        for index in 10..<30 { acked["o\(index)"] = try await WorkerFailoverTests.sendUntilAcked(w, room: room, id: "o\(index)") }
        print("redis restart after \(downSeconds) s down: writable again \(ContinuousClock.now - restartedAt) after Redis came back (includes 20 sends)")
        #expect(await eventually(timeout: .seconds(10)) {
            (try? await cluster.gateways[1].request("/readyz").status) == .ok
        })
        let history = try await cluster.expectIntactHistory(room: room, token: writer.token, acked: acked)
        // The reader's socket stayed open; what it missed live, a resume gives, once.
        await r.close()
        try await cluster.expectResumeDelivers(history, room: room, token: reader.token)
        await w.close()
        await cluster.stop()
        await redis.kill()
    }
}
