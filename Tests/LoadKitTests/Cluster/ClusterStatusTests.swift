import Foundation
import Testing

@testable import LoadKit

@Suite struct ClusterStatusTests {
    @Test func theStatusOfScriptsClusterDecodes() throws {
        let json = #"""
            {"gateways":[{"id":"gateway-1","url":"http://127.0.0.1:8081","pid":101},{"id":"gateway-2","url":"http://127.0.0.1:8082","pid":null}],
             "workers":[{"id":"worker-1","url":"http://127.0.0.1:9101","pid":201}],
             "redis":{"url":"redis://127.0.0.1:6390","pid":301},"postgres":{"url":"postgres://chorus@127.0.0.1:5440/chorus","pid":401}}
            """#
        let status = try ClusterStatus.decode(Data(json.utf8))
        #expect(status.gatewayURLs == ["http://127.0.0.1:8081", "http://127.0.0.1:8082"])
        #expect(status.serverProcesses == [
            ServerProcess(name: "gateway-1", pid: 101, role: "gateway"),
            ServerProcess(name: "worker-1", pid: 201, role: "worker"),
            ServerProcess(name: "redis", pid: 301, role: "redis"),
            ServerProcess(name: "postgres", pid: 401, includeDescendants: true, role: "postgres"),
        ])
    }

    @Test func externalServicesAndNoClusterHaveNoPids() throws {
        let status = try ClusterStatus.decode(Data(#"{"gateways":[],"workers":[],"redis":null,"postgres":{"url":"x","pid":null}}"#.utf8))
        #expect(status.serverProcesses.isEmpty)
        #expect(throws: LoadError.self) { try ClusterStatus.decode(Data("[]".utf8)) }
    }

    @Test func gatewayURLsParse() throws {
        #expect(try GatewayAddress(url: "http://127.0.0.1:8081") == GatewayAddress(host: "127.0.0.1", port: 8081))
        #expect(try GatewayAddress(url: "ws://localhost:9/") == GatewayAddress(host: "localhost", port: 9))
        #expect(try GatewayAddress(url: "http://127.0.0.1:8081").authority == "127.0.0.1:8081")
        for bad in ["127.0.0.1:8081", "https://a:1", "http://a", "http://a:0", "http://a:1/v1", "http://:80"] {
            #expect(throws: LoadError.self, "\(bad)") { try GatewayAddress(url: bad) }
        }
    }

    @Test func sourceAddressesAreLoopbackAndAutomaticPastTheThreshold() throws {
        var target = TargetOptions(gateways: [GatewayAddress(host: "127.0.0.1", port: 1)])
        #expect(try target.sourceAddressList(for: 19_000) == [])
        #expect(try target.sourceAddressList(for: 60_000) == ["127.0.0.2", "127.0.0.3", "127.0.0.4"])
        target.sourceAddresses = 2
        #expect(try target.sourceAddressList(for: 10) == ["127.0.0.2", "127.0.0.3"])
        target.gateways = [GatewayAddress(host: "10.0.0.5", port: 1)]
        #expect(throws: LoadError.self) { try target.sourceAddressList(for: 10) }
    }

    @Test func tooManyConnectionsForTheOpenFileLimitAreRefusedWithAMessage() throws {
        let limit = try ResourceLimits.raiseOpenFiles(for: 10)
        guard limit < Int.max / 2 else { return }
        let error = #expect(throws: LoadError.self) { try ResourceLimits.raiseOpenFiles(for: limit) }
        #expect(error?.code == .limit)
        #expect(error?.message.contains("hard limit") == true)
    }
}
