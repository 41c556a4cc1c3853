import ChorusTestSupport
import ClusterKit
import Foundation
import NIOWebSocket
import Testing

extension FaultSuite {
    /// Gateways drained and killed while clients keep sending: clients reconnect to the other
    /// gateway and resume without gaps.
    @Suite struct GatewayFaults {
        @Test func drainedGateway_closesWith1001_andClientsResumeElsewhere() async throws {
            let cluster = try await TestCluster(environment: Traffic.environment)
            let traffic = try await Traffic(on: cluster)
            let probe = try await cluster.connect(token: try await cluster.register("probe").token, through: 0)
            try await Task.sleep(for: .seconds(1))
            print(try await cluster.chaos("term gateway-1"))
            #expect(await probe.closedCode() == .goingAway)
            #expect(await cluster.gateways[0].process.waitForExit(timeout: .seconds(5)) == 0)
            try await Task.sleep(for: .seconds(2))
            let report = try await traffic.finish()
            print("fault gateway SIGTERM: \(report)")
            #expect(report.reconnects >= 1 && report.readerResumes >= 1)
            await cluster.stop()
        }

        @Test func killedGateway_itsMembersLeave_andClientsResumeElsewhere() async throws {
            let cluster = try await TestCluster(environment: Traffic.environment)
            let traffic = try await Traffic(on: cluster)
            let alice = try await cluster.register("alice")
            let bob = try await cluster.register("bob")
            let a = try await cluster.connect(token: alice.token, through: 0)
            let b = try await cluster.connect(token: bob.token, through: 1)
            let room = traffic.rooms[0]
            for client in [a, b] {
                client.send(#"{"type":"join","room_id":\#(room)}"#)
                _ = try await client.next("joined") { $0["type"].string == "joined" && $0["room_id"].int == room }
            }
            _ = try await a.next("bob joins") { $0["type"].string == "presence" && $0["user_id"].int == bob.id }
            print(try await cluster.chaos("kill gateway-2"))
            let killedAt = ContinuousClock.now
            let left = try await a.next("bob leaves", timeout: .seconds(20)) { $0["type"].string == "presence" && $0["user_id"].int == bob.id }
            let presenceAfter = ContinuousClock.now - killedAt
            #expect(left["event"].string == "leave")
            try await Task.sleep(for: .seconds(1))
            let report = try await traffic.finish()
            print("fault gateway SIGKILL: presence leave after \(presenceAfter); \(report)")
            #expect(report.reconnects >= 1 && report.readerResumes >= 1)
            await a.close()
            await cluster.stop()
        }
    }
}
