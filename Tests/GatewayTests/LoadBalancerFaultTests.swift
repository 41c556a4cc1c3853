import ChorusTestSupport
import Foundation
import NIOWebSocket
import Testing

extension FaultSuite {
    /// The cluster behind HAProxy, as `scripts/cluster up` runs it: every client connects to the
    /// balancer only (every other one over TLS) and keeps sending while a gateway is added and
    /// another one removed, the way `scripts/cluster scale gateways +1` / `-1` do it.
    @Suite struct LoadBalancerFaults {
        @Test func gatewaysScaledUpAndDown_behindHAProxy_clientsResumeWithoutAGap() async throws {
            let cluster = try await TestCluster(environment: Traffic.environment, behindLoadBalancer: true)
            let balancer = try #require(cluster.balancer)
            let traffic = try await Traffic(on: cluster)
            try await Task.sleep(for: .seconds(1))

            // +1: a new gateway takes a spare slot and, once UP, gets the new clients (least
            // connections: it has none).
            let third = try await cluster.addGateway(index: 3)
            try await balancer.admit("gateway-3", port: third.port)
            var probes: [ChatClient] = []
            for index in 0..<4 { probes.append(try await cluster.connect(token: try await cluster.register("probe").token, through: index)) }
            #expect(try await balancer.connections(to: "gateway-3") >= 3, "new clients did not reach the new gateway")

            // -1: gateway-1 gets no new client, then closes its sockets with 1001; its clients come
            // back through the balancer to the others and resume.
            try await balancer.set("gateway-1", "drain")
            print(try await cluster.chaos("term gateway-1"))
            #expect(await cluster.gateways[0].process.waitForExit(timeout: .seconds(15)) == 0)
            try await balancer.set("gateway-1", "maint")
            for probe in probes where probe.isClosed {
                #expect(await probe.closedCode() == .goingAway, "a client saw more than a resumable close")
            }
            try await Task.sleep(for: .seconds(2))
            let report = try await traffic.finish()
            print("fault gateways scaled behind HAProxy: \(report)")
            #expect(report.reconnects + report.readerResumes >= 1, "no client was on the removed gateway")
            for probe in probes { await probe.close() }
            await third.process.stop()
            await cluster.stop()
        }
    }
}
