import ChorusTestSupport
import Foundation
import Testing

/// `scripts/cluster` as an operator runs it (the built binaries, the run's Redis and Postgres):
/// HAProxy in front, scaled and restarted behind it, and stopped with everything else.
@Suite struct ClusterScriptTests {
    @Test func upBehindHAProxy_scaleAndRestartGateways_thenDown() async throws {
        let base = try Self.freePorts(12)
        let state = TestEnvironment.runDirectory.appendingPathComponent(uniqueName("cluster-script")).path
        let environment = [
            "CHORUS_CLUSTER_DIR": state, "CHORUS_BIN_DIR": TestEnvironment.binDirectory.path,
            "GATEWAY_BASE_PORT": "\(base)", "WORKER_BASE_PORT": "\(base + 5)",
            "CHORUS_LB_PORT": "\(base + 8)", "CHORUS_LB_TLS_PORT": "\(base + 9)", "CHORUS_PROMETHEUS_PORT": "\(base + 11)",
            "CLUSTER_NAME": uniqueName("script"), "JWT_SECRET": TestCluster.jwtSecret, "SCRYPT_LOG2N": "10",
        ]
        func cluster(_ arguments: String) async throws -> String {
            try await Shell.run("scripts/cluster \(arguments)", environment: environment)
        }
        func lbStatus(_ gateway: String) async throws -> String {
            try await Shell.services("source scripts/lib/haproxy.sh; lb_server_status '\(state)/lb' \(gateway)", timeout: .seconds(10))
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        do {
            _ = try await cluster("up --gateways 2 --workers 1 --monitoring")
            let status = JSON(text: try await cluster("status --json"))
            #expect(status["gateways"].array.count == 2)
            #expect(status["lb"]["url"].string == "http://127.0.0.1:\(base + 8)")
            let ca = try #require(status["lb"]["ca_file"].string)
            let health = try await Shell.run("curl -sS --cacert '\(ca)' https://localhost:\(base + 9)/readyz -o /dev/null -w '%{http_code}'")
            #expect(health == "200")
            // Prometheus scrapes both gateways, the worker and HAProxy, with the rules loaded.
            #expect(status["prometheus"]["url"].string == "http://127.0.0.1:\(base + 11)")
            var targets = ""
            for _ in 0..<50 where !targets.contains("haproxy") {  // discovered a moment after start
                try await Task.sleep(for: .milliseconds(200))
                targets = try await Shell.run("curl -sS http://127.0.0.1:\(base + 11)/api/v1/targets")
            }
            for job in ["chorus-gateway", "chorus-worker", "haproxy"] { #expect(targets.contains(#""job":"\#(job)""#), "\(job) not scraped") }
            #expect(try await Shell.run("curl -sS http://127.0.0.1:\(base + 11)/api/v1/rules").contains("ChorusNoReadyGateway"))

            #expect(try await cluster("scale gateways +1").contains("2 -> 3 running"))
            #expect(try await lbStatus("gateway-3") == "UP")
            #expect(try await Shell.run("cat '\(state)/prometheus/targets/gateway.json'").contains("127.0.0.1:\(base + 2)"))
            #expect(try await cluster("scale gateways -1").contains("3 -> 2 running"))
            #expect(try await lbStatus("gateway-3") == "MAINT")
            _ = try await cluster("restart --rolling gateways")
            #expect(try await lbStatus("gateway-1") == "UP")
            #expect(try await lbStatus("gateway-2") == "UP")

            let pid = try #require(status["lb"]["pid"].int)
            _ = try await cluster("down --purge")
            #expect(kill(Int32(pid), 0) != 0, "HAProxy still runs after down")
        } catch {
            _ = try? await cluster("down --purge")
            throw error
        }
    }

    /// The first of `count` consecutive free ports on 127.0.0.1.
    static func freePorts(_ count: Int) throws -> Int {
        for _ in 0..<50 {
            let first = Int.random(in: 20_000...30_000)
            if (first..<first + count).allSatisfy(isPortFree) { return first }
        }
        throw TestCluster.Unexpected(what: "no \(count) consecutive free ports")
    }
}
