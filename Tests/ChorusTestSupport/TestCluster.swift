import ClusterKit
import Foundation
import HummingbirdTesting
import NIOCore

/// A real cluster of Gateway and RoomWorker processes on the run's Redis and Postgres, under a
/// cluster name of its own so that clusters of parallel tests never share a ring.
public final class TestCluster: Sendable {
    public let name: String
    public let gateways: [NodeProcess]
    public let workers: [NodeProcess]
    /// The environment every node of this cluster gets (for starting more nodes).
    public let environment: [String: String]
    public static let jwtSecret = "cluster-test-secret-0123456789abcdefghijkl"

    /// Starts `gateways` gateways and `workers` workers and waits until all are ready.
    public init(gateways: Int = 2, workers: Int = 3, environment: [String: String] = [:]) async throws {
        let name = uniqueName("test")
        self.name = name
        var env = environment
        env["CLUSTER_NAME"] = name
        // Nodes take a private Redis when the caller passes REDIS_URL in `environment`.
        env["JWT_SECRET"] = Self.jwtSecret
        env["SCRYPT_LOG2N"] = env["SCRYPT_LOG2N"] ?? "10"
        self.environment = env
        var started: [NodeProcess] = []
        for index in 0..<workers { started.append(try await NodeProcess.start("RoomWorker", nodeID: "\(name)-worker-\(index + 1)", environment: env)) }
        self.workers = started
        started = []
        for index in 0..<gateways { started.append(try await NodeProcess.start("Gateway", nodeID: "\(name)-gateway-\(index + 1)", environment: env)) }
        self.gateways = started
        for node in self.workers + self.gateways { try await node.waitUntilReady() }
        // Gateways poll the ring every 500 ms: give them one round to see every worker.
        try await Task.sleep(for: .milliseconds(700))
    }

    /// Starts one more worker in this cluster and waits until it is ready.
    public func addWorker(index: Int) async throws -> NodeProcess {
        let worker = try await NodeProcess.start("RoomWorker", nodeID: "\(name)-worker-\(index)", environment: environment)
        try await worker.waitUntilReady()
        return worker
    }

    /// Stops every process (SIGTERM, then SIGKILL).
    public func stop() async {
        for node in gateways + workers { await node.process.stop() }
    }

    /// Registers a user through gateway `index`; returns `(id, token)`.
    public func register(_ prefix: String = "u", through index: Int = 0) async throws -> (id: Int64, username: String, token: String) {
        let username = uniqueName(prefix)
        let response = try await gateways[index].request(
            "/v1/auth/register", method: .post,
            body: #"{"username":"\#(username)","email":"\#(username)@example.com","password":"password-1"}"#
        )
        let json = JSON(response.body ?? ByteBuffer())
        guard response.status == .created, let id = json["user"]["id"].int, let token = json["token"].string else {
            throw Unexpected(what: "register: \(response.status) \(String(buffer: response.body ?? ByteBuffer()))")
        }
        return (id, username, token)
    }

    /// Creates a room through gateway `index`; returns its id.
    public func createRoom(token: String, through index: Int = 0) async throws -> Int64 {
        let response = try await gateways[index].request(
            "/v1/rooms", method: .post, headers: [.authorization: "Bearer \(token)"], body: #"{"name":"room"}"#
        )
        guard let id = JSON(response.body ?? ByteBuffer())["room"]["id"].int else {
            throw Unexpected(what: "create room: \(response.status)")
        }
        return id
    }

    /// A WebSocket client on gateway `index`.
    public func connect(token: String, through index: Int = 0, tokenInQuery: Bool = false) async throws -> ChatClient {
        try await ChatClient(port: gateways[index].port, token: token, tokenInQuery: tokenInQuery)
    }

    public struct Unexpected: Error, CustomStringConvertible {
        public let what: String
        public init(what: String) { self.what = what }
        public var description: String { what }
    }
}
