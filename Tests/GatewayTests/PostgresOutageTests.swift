import ChorusTestSupport
import ClusterKit
import Foundation
import Testing

/// Postgres crashes under traffic and comes back (same data): no ack without a commit, nothing
/// acked lost, nothing stored twice.
@Suite struct PostgresOutageTests {
    @Test func postgresCrash_sendsGetUnavailable_thenEverythingAckedIsStoredOnce() async throws {
        let postgres = try PostgresServer()
        try await postgres.start()
        let cluster = try await TestCluster(gateways: 1, workers: 2, environment: ["DATABASE_URL": postgres.url, "STORAGE_TIMEOUT_MS": "2000"])
        let writer = try await cluster.register("writer")
        let room = try await cluster.createRoom(token: writer.token)
        let w = try await cluster.connect(token: writer.token)
        w.send(#"{"type":"join","room_id":\#(room)}"#)
        _ = try await w.next(type: "joined")
        var acked: [String: Int64] = [:]
        for index in 0..<10 { acked["p\(index)"] = try await WorkerFailoverTests.sendUntilAcked(w, room: room, id: "p\(index)") }

        try await postgres.crash()
        let crashedAt = ContinuousClock.now
        w.send(#"{"type":"send","room_id":\#(room),"content":"during","client_msg_id":"during"}"#)
        let answer = try await w.next("answer to during", timeout: .seconds(15)) {
            $0["ref"].string == "during" || $0["client_msg_id"].string == "during"
        }
        #expect(answer["type"].string == "error" && answer["code"].string == "unavailable")
        // REST that needs Postgres answers 503, not 500.
        let rest = try await cluster.gateways[0].request("/v1/rooms/\(room)", headers: [.authorization: "Bearer \(writer.token)"])
        #expect(rest.status == .serviceUnavailable)
        #expect(await eventually(timeout: .seconds(10)) { (try? await cluster.gateways[0].request("/readyz").status) == .serviceUnavailable })

        try await postgres.start()
        let startedAt = ContinuousClock.now
        acked["during"] = try await WorkerFailoverTests.sendUntilAcked(w, room: room, id: "during", timeout: .seconds(60))
        print("postgres crash: down \(startedAt - crashedAt), writable again \(ContinuousClock.now - startedAt) after it came back")
        for index in 10..<20 { acked["p\(index)"] = try await WorkerFailoverTests.sendUntilAcked(w, room: room, id: "p\(index)") }

        let history = try await cluster.expectIntactHistory(room: room, token: writer.token, acked: acked)
        #expect(Set(history.compactMap(\.clientMessageID)) == Set(acked.keys))
        await w.close()
        await cluster.stop()
        await postgres.stop()
    }
}
