import ChorusTestSupport
import ClusterKit
import Foundation
import Testing

extension FaultSuite {
    /// Redis and Postgres go away under traffic (`scripts/chaos restart`) and come back.
    @Suite struct ServerOutages {
        /// 2 s: shorter than a lease. 30 s: every worker's session expires meanwhile, and the workers
        /// must open new sessions and take their rooms again. Redis comes back empty (no persistence).
        @Test(arguments: [2, 30])
        func redisRestart_nodesRecover_socketsStayOpen_nothingLostOrMissed(downSeconds: Int) async throws {
            let redis = try RedisServer()
            try await redis.start()
            let cluster = try await TestCluster(environment: Traffic.environment, redis: redis)
            let traffic = try await Traffic(on: cluster, maxWait: .seconds(downSeconds + 40))
            try await Task.sleep(for: .seconds(1))
            let restart = Task { try await cluster.chaos("restart redis --down \(downSeconds)") }
            // Not ready while Redis is gone.
            #expect(await eventually(timeout: .seconds(10)) {
                (try? await cluster.gateways[0].request("/readyz").status) == .serviceUnavailable
            })
            print(try await restart.value)
            let back = ContinuousClock.now
            #expect(await eventually(timeout: .seconds(15)) {
                (try? await cluster.gateways[1].request("/readyz").status) == .ok
            })
            print("fault redis restart: nodes ready again \(ContinuousClock.now - back) after Redis came back")
            try await Task.sleep(for: .seconds(3))
            let report = try await traffic.finish()
            print("fault redis down \(downSeconds) s: \(report)")
            #expect(report.unavailable > 0, "sends during the outage are refused")
            #expect(report.reconnects == 0 && report.readerResumes == 0, "sockets stay open through a Redis outage")
            await cluster.stop()
            await redis.kill()
        }

        /// A Postgres restart shorter than the lease and the commit-retry window costs senders a
        /// delay, not an error: the worker retries its pending batch once Postgres is back.
        @Test func shortPostgresRestart_workerRetriesItsBatch_noSendFails() async throws {
            let postgres = try PostgresServer()
            try await postgres.start()
            var environment = Traffic.environment
            environment.merge(["LEASE_TTL_MS": "15000", "COMMIT_RETRY_MS": "10000", "REQUEST_TIMEOUT_MS": "12000", "STORAGE_TIMEOUT_MS": "2000"]) { $1 }
            let cluster = try await TestCluster(environment: environment, postgres: postgres)
            let traffic = try await Traffic(on: cluster)
            try await Task.sleep(for: .seconds(1))
            let started = ContinuousClock.now
            print(try await cluster.chaos("restart postgres --down 1"))
            let outage = ContinuousClock.now - started
            try await Task.sleep(for: .seconds(2))
            let report = try await traffic.finish()
            print("fault postgres restart (\(outage) including crash and start): \(report)")
            // The worker retried its batch. The only `unavailable` left is a batch whose COMMIT reached
            // Postgres just before the crash: its retry is fenced, and each of its senders (at most one
            // send each) is told to retry, and acked from the stored keys.
            #expect(report.unavailable <= 3, "the worker retries its batch; senders should not see unavailable")
            await cluster.stop()
            await postgres.stop()
        }

        /// A longer outage: no ack without a commit, sends get `unavailable`, REST answers 503;
        /// afterwards nothing acked is lost and nothing is stored twice.
        @Test func postgresOutage_sendsGetUnavailable_thenEverythingAckedIsStoredOnce() async throws {
            let postgres = try PostgresServer()
            try await postgres.start()
            var environment = Traffic.environment
            environment["STORAGE_TIMEOUT_MS"] = "2000"
            let cluster = try await TestCluster(environment: environment, postgres: postgres)
            let traffic = try await Traffic(on: cluster, maxWait: .seconds(60))
            let probe = try await cluster.register("probe")
            let p = try await cluster.connect(token: probe.token)
            let room = traffic.rooms[0]
            p.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await p.next("joined") { $0["type"].string == "joined" && $0["room_id"].int == room }
            try await Task.sleep(for: .seconds(1))
            let restart = Task { try await cluster.chaos("restart postgres --down 8") }
            #expect(await eventually(timeout: .seconds(10)) {
                (try? await cluster.gateways[0].request("/readyz").status) == .serviceUnavailable
            })
            p.send(#"{"type":"send","room_id":\#(room),"content":"during","client_msg_id":"during"}"#)
            let answer = try await p.next("answer to during", timeout: .seconds(15)) {
                $0["ref"].string == "during" || $0["client_msg_id"].string == "during"
            }
            #expect(answer["type"].string == "error" && answer["code"].string == "unavailable")
            // REST that needs Postgres answers 503, not 500.
            let rest = try await cluster.gateways[0].request("/v1/rooms/\(room)", headers: [.authorization: "Bearer \(probe.token)"])
            #expect(rest.status == .serviceUnavailable)
            print(try await restart.value)
            let back = ContinuousClock.now
            _ = try await sendUntilAcked(p, room: room, id: "during", timeout: .seconds(60))
            print("fault postgres down 8 s: writable again \(ContinuousClock.now - back) after it came back")
            try await Task.sleep(for: .seconds(1))
            let report = try await traffic.finish()
            print("fault postgres down 8 s: \(report)")
            await p.close()
            await cluster.stop()
            await postgres.stop()
        }
    }
}
