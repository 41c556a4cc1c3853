import ClusterKit
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A Chorus node (Gateway or RoomWorker) running as a real process on a free port.
public final class NodeProcess: Sendable {
    public let process: ChildProcess
    public let port: Int
    public let nodeID: String

    /// Starts a node on a port the OS picks (no race with other tests for a "free" port) and
    /// waits until it says where it listens.
    /// `openFiles` starts it under that open-file limit (soft and hard, with `prlimit`).
    public static func start(
        _ executable: String, nodeID: String, environment: [String: String] = [:], openFiles: Int? = nil
    ) async throws -> NodeProcess {
        var environment = environment
        environment["PORT"] = "0"
        let probe = try NodeProcess(executable, nodeID: nodeID, environment: environment, port: 0, openFiles: openFiles)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let port = Self.listeningPort(in: probe.process.output) {
                return NodeProcess(process: probe.process, port: port, nodeID: nodeID)
            }
            guard probe.process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw NodeNotReady(nodeID: nodeID, output: probe.process.output)
    }

    private init(process: ChildProcess, port: Int, nodeID: String) {
        self.process = process
        self.port = port
        self.nodeID = nodeID
    }

    /// The port in the node's "listening" log line (`address=[IPv4]127.0.0.1/127.0.0.1:43121`).
    static func listeningPort(in output: String) -> Int? {
        guard let line = output.split(separator: "\n").first(where: { $0.contains("listening") }),
            let match = line.firstMatch(of: /address=\S*:(\d+)/)
        else { return nil }
        return Int(match.1)
    }

    /// Starts `executable` (`Gateway` or `RoomWorker` from the build directory) against the run's Redis
    /// and Postgres, with `environment` added.
    public convenience init(_ executable: String, nodeID: String, environment: [String: String] = [:]) throws {
        try self.init(executable, nodeID: nodeID, environment: environment, port: try freePort())
    }

    private init(_ executable: String, nodeID: String, environment: [String: String], port: Int, openFiles: Int? = nil) throws {
        var env: [String: String] = [
            "PORT": String(port),
            "HOST": "127.0.0.1",
            "NODE_ID": nodeID,
            "DATABASE_URL": ProcessInfo.processInfo.environment["CHORUS_TEST_DATABASE_URL"] ?? "",
            "REDIS_URL": ProcessInfo.processInfo.environment["CHORUS_TEST_REDIS_URL"] ?? "",
            "LOG_LEVEL": "notice",
            "DATABASE_POOL_SIZE": "4",
        ]
        env.merge(environment) { $1 }  // the caller's REDIS_URL / DATABASE_URL win
        self.port = port
        self.nodeID = nodeID
        let binary = TestEnvironment.binDirectory.appendingPathComponent(executable)
        if let openFiles {
            // prlimit sets the limit and execs the node: same process, same PID.
            self.process = try ChildProcess(
                name: nodeID, executable: URL(fileURLWithPath: "/usr/bin/prlimit"),
                arguments: ["--nofile=\(openFiles):\(openFiles)", binary.path], environment: env
            )
        } else {
            self.process = try ChildProcess(name: nodeID, executable: binary, environment: env)
        }
    }

    /// Waits until `/readyz` answers 200; throws with the node's output if it does not.
    public func waitUntilReady(timeout: Duration = .seconds(30)) async throws {
        let ready = await eventually(timeout: timeout) {
            guard process.isRunning else { return false }
            return (try? await self.request("/readyz").status) == .ok
        }
        guard ready else { throw NodeNotReady(nodeID: nodeID, output: process.output) }
    }

    /// One HTTP request to this node.
    public func request(
        _ uri: String, method: HTTPRequest.Method = .get, headers: HTTPFields = [:], body: String? = nil
    ) async throws -> TestClient.Response {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            var fields = headers
            if body != nil { fields[.contentType] = "application/json" }
            return try await client.execute(
                TestClient.Request(uri, method: method, authority: "127.0.0.1", headers: fields, body: body.map { ByteBuffer(string: $0) })
            )
        }
    }

    public struct NodeNotReady: Error, CustomStringConvertible {
        public let nodeID: String
        public let output: String
        public var description: String { "\(nodeID) did not become ready; its output:\n\(output)" }
    }
}
