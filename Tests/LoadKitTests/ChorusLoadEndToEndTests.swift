import ChorusTestSupport
import Foundation
import Testing

@testable import LoadKit

/// The built `chorus-load` binary against a real cluster (gateways and workers as processes on
/// the run's Redis and Postgres), at a tiny size: every delivery arrives, in order, once.
@Suite struct ChorusLoadEndToEndTests {
    @Test func fanoutAtATinySize_deliversEverythingOnceInOrder() async throws {
        let binary = TestEnvironment.binDirectory.appendingPathComponent("chorus-load")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build chorus-load first (swift build --build-tests)")
        let cluster = try await TestCluster(gateways: 2, workers: 2)
        let directory = TestEnvironment.runDirectory.appendingPathComponent(uniqueName("chorus-load-"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let jsonPath = directory.appendingPathComponent("fanout.json").path
        let htmlPath = directory.appendingPathComponent("fanout.html").path
        // The shape of `scripts/cluster status --json`, so that server CPU is measured too.
        let nodes = { (list: [NodeProcess]) in
            list.map { #"{"id":"\#($0.nodeID)","url":"http://127.0.0.1:\#($0.port)","pid":\#($0.process.pid)}"# }.joined(separator: ",")
        }
        let status = #"{"gateways":[\#(nodes(cluster.gateways))],"workers":[\#(nodes(cluster.workers))],"redis":null,"postgres":null}"#
        let statusPath = directory.appendingPathComponent("status.json").path
        try Data(status.utf8).write(to: URL(fileURLWithPath: statusPath))

        let load = try ChildProcess(
            name: "chorus-load", executable: binary,
            arguments: [
                "fanout", "--cluster-status", statusPath, "--clients", "20", "--rooms", "2", "--senders", "2", "--rate", "50",
                // A long drain only matters on a busy machine: it ends as soon as everything arrived.
                "--duration", "3", "--warmup", "1", "--drain", "30", "--source-addresses", "2", "--json", jsonPath, "--html", htmlPath,
            ],
            environment: ["JWT_SECRET": TestCluster.jwtSecret]
        )
        let exit = await load.waitForExit(timeout: .seconds(180))
        await cluster.stop()
        #expect(exit == 0, "chorus-load output:\n\(load.output)")

        let result = try ResultWriter.decodeJSON(try Data(contentsOf: URL(fileURLWithPath: jsonPath)))
        let traffic = try #require(result.traffic)
        #expect(result.passed, "\(result.failures)")
        #expect(result.connections == 20)
        #expect(traffic.sent > 0)
        #expect(traffic.acked == traffic.sent)
        // 10 members per room: each message is delivered to all of them, the sender included.
        #expect(traffic.expectedDeliveries == traffic.sent * 10)
        #expect(traffic.delivered == traffic.expectedDeliveries)
        let sequence = try #require(result.sequence)
        #expect(sequence.streams == 20 && sequence.complete == 20)
        #expect(sequence.missing == 0 && sequence.duplicates == 0 && sequence.outOfOrder == 0)
        #expect(result.errors.isEmpty)
        #expect(result.closes.isEmpty)
        #expect(traffic.deliveryLatency.count == UInt64(traffic.delivered))
        #expect(result.servers.map(\.role).sorted() == ["gateway", "gateway", "worker", "worker"])
        #expect(result.serverCPUMicrosPerDelivery != nil)
        #expect(!result.series.isEmpty)
        let html = try String(contentsOfFile: htmlPath, encoding: .utf8)
        #expect(html.contains("<svg"))
        print("chorus-load end-to-end: \(traffic.delivered) deliveries, p99 \(Format.micros(traffic.deliveryLatency.p99Micros))")
    }
}
