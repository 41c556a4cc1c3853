import ChorusTestSupport
import ClusterKit
import Foundation
import NIOCore
import Testing

/// `/metrics` of real Gateway and RoomWorker processes after a little traffic: every metric is
/// there, with values the traffic explains; and docs/OPERATIONS.md lists exactly the metrics the
/// nodes export.
@Suite struct MetricsTests {
    @Test func gatewayAndWorkerMetrics_countTheTrafficTheyCarried() async throws {
        let cluster = try await TestCluster(gateways: 1, workers: 1)
        do {
            try await exercise(cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    private func exercise(_ cluster: TestCluster) async throws {
        let alice = try await cluster.register("alice")
        let bob = try await cluster.register("bob")
        let room = try await cluster.createRoom(token: alice.token)
        let a = try await cluster.connect(token: alice.token)
        let b = try await cluster.connect(token: bob.token)
        for client in [a, b] {
            client.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await client.next(type: "joined")
        }
        a.send(#"{"type":"send","room_id":\#(room),"content":"hello","client_msg_id":"m1"}"#)
        _ = try await a.any("ack") { $0["type"].string == "ack" }
        _ = try await b.next(type: "message")
        _ = try await a.any("own message") { $0["type"].string == "message" }
        // A refused upgrade (a token that does not verify: 401), and a close from the client (1000).
        await #expect(throws: (any Error).self) { _ = try await ChatClient(port: cluster.gateways[0].port, token: "not.a.token") }
        await b.close()

        let gateway = cluster.gateways[0]
        let worker = cluster.workers[0]
        // The close is counted when the socket ends; the worker's gauges on its next tick (≤ 1 s).
        var g = try await Exposition(of: gateway)
        var w = try await Exposition(of: worker)
        _ = try await eventually(timeout: .seconds(10)) {
            g = try await Exposition(of: gateway)
            w = try await Exposition(of: worker)
            return g["chorus_gateway_closes_total{code=\"1000\"}"] >= 1 && g["chorus_gateway_open_websockets"] == 1
                && w["chorus_worker_rooms_owned"] >= 1
        }

        // Gateway.
        #expect(g["chorus_gateway_open_connections"] >= 1)  // alice's socket (and this scrape)
        #expect(g["chorus_gateway_open_websockets"] == 1)  // alice's; bob's is gone
        #expect(g["chorus_gateway_upgrades_refused_total{reason=\"invalid_token\"}"] >= 1)
        #expect(g["chorus_gateway_upgrades_refused_total{reason=\"admission_rate\"}"] == 0)
        #expect(g["chorus_gateway_frames_received_total{type=\"text\"}"] >= 3)  // two joins and a send
        #expect(g["chorus_gateway_frames_received_total{type=\"close\"}"] >= 1)
        #expect(g["chorus_gateway_frames_sent_total{type=\"text\"}"] >= 5)  // joined ×2, ack, message ×2
        #expect(g["chorus_gateway_frames_sent_total{type=\"close\"}"] >= 1)
        #expect(g["chorus_gateway_deliveries_total"] >= 2)  // the message, to alice and to bob
        #expect(g["chorus_gateway_sent_bytes_total"] >= 100)
        #expect(g["chorus_gateway_closes_total{code=\"1000\"}"] >= 1)
        #expect(g["chorus_gateway_slow_consumer_closes_total"] == 0)
        #expect(g["chorus_gateway_worker_request_duration_seconds_count"] >= 3)  // two joins and a send
        #expect(g["chorus_gateway_worker_request_duration_seconds_sum"] > 0)
        #expect(g["chorus_gateway_unavailable_total{via=\"websocket\"}"] == 0)
        #expect(g["chorus_gateway_unavailable_total{via=\"rest\"}"] == 0)
        #expect(g["chorus_gateway_replay_messages_total"] == 0)
        expectNodeMetrics(g, kind: "gateway")

        // Worker.
        #expect(w["chorus_worker_rooms_owned"] == 1)
        #expect(w["chorus_worker_rooms_loaded"] == 1)
        #expect(w["chorus_worker_room_state_bytes"] > 0)
        #expect(w["chorus_worker_commit_batch_size_count"] >= 1)
        #expect(w["chorus_worker_commit_batch_size_sum"] >= 1)
        #expect(w["chorus_worker_commit_duration_seconds_count"] >= 1)
        #expect(w["chorus_worker_commit_retries_total"] == 0)
        #expect(w["chorus_worker_fenced_commits_total"] == 0)
        #expect(w["chorus_worker_room_loads_total{outcome=\"loaded\"}"] == 1)
        #expect(w["chorus_worker_room_loads_total{outcome=\"failed\"}"] == 0)
        #expect(w["chorus_worker_room_load_duration_seconds_count"] == 1)
        #expect(w["chorus_worker_messages_stored_total"] == 1)
        expectNodeMetrics(w, kind: "worker")

        // The documented metrics are the exported ones (Hummingbird's own HTTP metrics aside).
        let documented = try Self.documentedMetrics()
        let exported = Set(g.families.keys).union(w.families.keys).filter { !$0.hasPrefix("hb_") && !$0.hasPrefix("http_server_") }
        #expect(exported.subtracting(documented).isEmpty, "exported, not in docs/OPERATIONS.md: \(exported.subtracting(documented).sorted())")
        #expect(documented.subtracting(exported).isEmpty, "documented, not exported: \(documented.subtracting(exported).sorted())")
        await a.close()
    }

    /// What both node kinds export.
    private func expectNodeMetrics(_ metrics: Exposition, kind: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(metrics["chorus_build_info{version=\"\(NodeMetrics.version)\",kind=\"\(kind)\"}"] == 1, sourceLocation: sourceLocation)
        let started = metrics["process_start_time_seconds"]
        let now = Date().timeIntervalSince1970
        #expect(started > now - 600 && started <= now, sourceLocation: sourceLocation)
        #expect(metrics["chorus_ring_members"] == 1, sourceLocation: sourceLocation)
        for connection in ["commands", "subscriber"] {
            #expect(metrics["chorus_redis_reconnects_total{connection=\"\(connection)\"}"] == 0, sourceLocation: sourceLocation)
            #expect(metrics["chorus_redis_connect_failures_total{connection=\"\(connection)\"}"] == 0, sourceLocation: sourceLocation)
        }
        for reason in ["connection", "timeout"] {
            #expect(metrics["chorus_postgres_failures_total{reason=\"\(reason)\"}"] == 0, sourceLocation: sourceLocation)
        }
    }

    /// The metric names in the first column of docs/OPERATIONS.md's "## Metrics" tables.
    static func documentedMetrics() throws -> Set<String> {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("docs/OPERATIONS.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let start = text.range(of: "\n## Metrics") else { return [] }
        var names: Set<String> = []
        for line in text[start.upperBound...].split(separator: "\n") {
            if line.hasPrefix("## ") { break }
            if let match = line.firstMatch(of: /^\| `([a-z_:]+)`/) { names.insert(String(match.1)) }
        }
        return names
    }
}

/// A node's `/metrics` (Prometheus text format): each sample by its name and labels as rendered,
/// and each family's type from its `# TYPE` line. A missing sample reads as NaN, which fails
/// every comparison.
struct Exposition {
    var samples: [String: Double] = [:]
    var families: [String: String] = [:]

    init(of node: NodeProcess) async throws {
        let response = try await node.request("/metrics")
        let text = String(buffer: response.body ?? ByteBuffer())
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count == 4 { families[String(parts[2])] = String(parts[3]) }
                continue
            }
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " ") else { continue }
            samples[String(line[..<space])] = Double(line[line.index(after: space)...])
        }
    }

    subscript(series: String) -> Double { samples[series] ?? .nan }
}
