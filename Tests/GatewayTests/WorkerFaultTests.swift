import ChorusTestSupport
import ClusterKit
import Foundation
import Logging
import PostgresNIO
import Testing

extension FaultSuite {
    /// Workers killed, cut off, drained, added and restarted while clients keep sending.
    @Suite struct WorkerFaults {
        @Test func killedOwner_nextOwnerTakesItsRooms_nothingLost() async throws {
            let cluster = try await TestCluster(environment: Traffic.environment)
            let traffic = try await Traffic(on: cluster)
            try await Task.sleep(for: .seconds(1))
            let victim = try cluster.owner(of: traffic.rooms[0])
            print(try await cluster.chaos("kill \(cluster.stateName(of: victim))"))
            try await Task.sleep(for: .seconds(6))
            // The new owners learned who is joined: the members list survives the failover.
            #expect(await eventually(timeout: .seconds(15)) { await traffic.memberIDs(of: traffic.rooms[0]) == traffic.members })
            let report = try await traffic.finish()
            print("fault worker SIGKILL: \(report)")
            #expect(report.longestWait < .seconds(10), "writable again only after \(report.longestWait)")
            await cluster.stop()
        }

        @Test func stalledOwnerThatComesBack_cannotAssignASeq() async throws {
            let cluster = try await TestCluster(environment: Traffic.environment)
            let traffic = try await Traffic(on: cluster)
            try await Task.sleep(for: .seconds(1))
            let victim = try cluster.owner(of: traffic.rooms[0])
            let name = cluster.stateName(of: victim)
            // Cut off: alive, connected, silent. Sends routed to it wait in its socket; their
            // senders time out and retry on the next owner once the lease has expired.
            print(try await cluster.chaos("stop \(name)"))
            try await Task.sleep(for: .seconds(7))
            print(try await cluster.chaos("cont \(name)"))  // wakes up with old requests and a lost lease
            try await Task.sleep(for: .seconds(3))
            let report = try await traffic.finish()
            print("fault worker SIGSTOP 7 s: \(report)")
            #expect(victim.process.isRunning)
            let log = victim.process.output
            print("fault worker SIGSTOP: the woken owner logged fence=\(log.contains("commit fenced")) session-expired=\(log.contains("session expired"))")
            await cluster.stop()
        }

        @Test func drainedOwner_handsItsRoomsOver_withoutWaitingForTheLease() async throws {
            let cluster = try await TestCluster(environment: Traffic.environment)
            let traffic = try await Traffic(on: cluster)
            try await Task.sleep(for: .seconds(1))
            let victim = try cluster.owner(of: traffic.rooms[0])
            print(try await cluster.chaos("term \(cluster.stateName(of: victim))"))
            #expect(await victim.process.waitForExit(timeout: .seconds(5)) == 0)
            try await Task.sleep(for: .seconds(2))
            let report = try await traffic.finish()
            print("fault worker SIGTERM: \(report)")
            #expect(report.longestWait < .seconds(3), "a drained room should not wait for the lease: \(report.longestWait)")
            await cluster.stop()
        }

        @Test func workerAdded_onlyMovedRoomsChangeOwner_withoutLoss() async throws {
            let cluster = try await TestCluster(environment: Traffic.environment)
            let traffic = try await Traffic(on: cluster, rooms: 12)
            let newWorker = "\(cluster.name)-worker-4"
            let moved = traffic.rooms.filter { HashRing(nodes: cluster.workers.map(\.nodeID)).adding(newWorker).owner(of: $0) == newWorker }
            try #require(!moved.isEmpty, "no room moves to the new worker; pick more rooms")
            try await Task.sleep(for: .seconds(1))
            let added = try await cluster.addWorker(index: 4)
            try await Task.sleep(for: .seconds(3))
            let report = try await traffic.finish()
            print("fault worker added (\(moved.count) of 12 rooms moved): \(report)")
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
            await added.process.stop()
            await cluster.stop()
        }

        @Test func rollingRestartOfEveryWorker_losesNothing_andNoSendFailsAfterRetries() async throws {
            let cluster = try await TestCluster(environment: Traffic.environment)
            let traffic = try await Traffic(on: cluster)
            try await Task.sleep(for: .seconds(1))
            let started = ContinuousClock.now
            var restarted: [NodeProcess] = []
            for (index, worker) in cluster.workers.enumerated() {
                print(try await cluster.chaos("term worker-\(index + 1)"))
                #expect(await worker.process.waitForExit(timeout: .seconds(5)) == 0, "\(worker.nodeID) did not drain")
                restarted.append(try await cluster.addWorker(index: index + 1))
                try await Task.sleep(for: .milliseconds(500))
            }
            let took = ContinuousClock.now - started
            let report = try await traffic.finish()
            print("fault rolling restart of 3 workers in \(took): \(report)")
            for worker in restarted { await worker.process.stop() }
            await cluster.stop()
        }
    }
}
