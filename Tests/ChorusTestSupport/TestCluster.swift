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
    /// Where this cluster is recorded the way `scripts/cluster up` records one (`pids/`, `ports/`,
    /// `cluster.env`, `redis/`, `postgres/`), so `scripts/chaos` can act on it.
    public let stateDirectory: URL
    /// HAProxy in front of the gateways (`behindLoadBalancer`), with two spare slots for gateways
    /// added later: clients then connect through it, every other one over TLS, whatever gateway
    /// they name.
    public let balancer: LoadBalancer?

    /// Starts `gateways` gateways and `workers` workers and waits until all are ready. With `redis`
    /// or `postgres`, the cluster uses that private server, which `chaos("restart redis")` may restart;
    /// otherwise the run's shared servers, which chaos refuses to touch.
    public init(
        gateways: Int = 2, workers: Int = 3, environment: [String: String] = [:],
        redis: RedisServer? = nil, postgres: PostgresServer? = nil, gatewayOpenFiles: Int? = nil,
        behindLoadBalancer: Bool = TestEnvironment.behindLoadBalancer
    ) async throws {
        let name = uniqueName("test")
        self.name = name
        var env = environment
        env["CLUSTER_NAME"] = name
        if let redis { env["REDIS_URL"] = redis.url.urlString }
        if let postgres { env["DATABASE_URL"] = postgres.url }
        env["JWT_SECRET"] = Self.jwtSecret
        env["SCRYPT_LOG2N"] = env["SCRYPT_LOG2N"] ?? "10"
        // Every test client is 127.0.0.1: per-address login limits would count them as one.
        env["LOGIN_PER_ADDRESS_PER_MIN"] = env["LOGIN_PER_ADDRESS_PER_MIN"] ?? "100000"
        if behindLoadBalancer { env["TRUSTED_PROXIES"] = "127.0.0.1" }
        self.environment = env
        stateDirectory = TestEnvironment.runDirectory.appendingPathComponent("cluster-\(name)")
        try Self.recordServers(in: stateDirectory, environment: env, redis: redis, postgres: postgres)
        var started: [NodeProcess] = []
        for index in 0..<workers { started.append(try await NodeProcess.start("RoomWorker", nodeID: "\(name)-worker-\(index + 1)", environment: env)) }
        self.workers = started
        started = []
        for index in 0..<gateways {
            started.append(
                try await NodeProcess.start("Gateway", nodeID: "\(name)-gateway-\(index + 1)", environment: env, openFiles: gatewayOpenFiles)
            )
        }
        self.gateways = started
        for (index, node) in self.workers.enumerated() { try Self.record(node, as: "worker-\(index + 1)", in: stateDirectory) }
        for (index, node) in self.gateways.enumerated() { try Self.record(node, as: "gateway-\(index + 1)", in: stateDirectory) }
        for node in self.workers + self.gateways { try await node.waitUntilReady() }
        balancer = behindLoadBalancer
            ? try await LoadBalancer(
                gateways: self.gateways.enumerated().map { ("gateway-\($0.offset + 1)", $0.element.port) },
                spares: (gateways + 1...gateways + 2).map { "gateway-\($0)" }
            ) : nil
        // Gateways poll the ring every 500 ms: give them one round to see every worker.
        try await Task.sleep(for: .milliseconds(700))
    }

    /// Starts one more gateway, records it as `gateway-<index>` and waits until it is ready (the
    /// caller puts it behind the balancer).
    public func addGateway(index: Int) async throws -> NodeProcess {
        let gateway = try await NodeProcess.start("Gateway", nodeID: "\(name)-gateway-\(index)", environment: environment)
        try Self.record(gateway, as: "gateway-\(index)", in: stateDirectory)
        try await gateway.waitUntilReady()
        return gateway
    }

    /// Starts one more worker in this cluster (or a replacement, with the index of one that
    /// stopped), records it as `worker-<index>` and waits until it is ready.
    public func addWorker(index: Int) async throws -> NodeProcess {
        let worker = try await NodeProcess.start("RoomWorker", nodeID: "\(name)-worker-\(index)", environment: environment)
        try Self.record(worker, as: "worker-\(index)", in: stateDirectory)
        try await worker.waitUntilReady()
        return worker
    }

    /// Runs `scripts/chaos <arguments>` on this cluster (e.g. `kill worker-2`, `restart redis --down 2`);
    /// returns what it printed.
    @discardableResult
    public func chaos(_ arguments: String) async throws -> String {
        try await Shell.run("scripts/chaos \(arguments)", environment: ["CHORUS_CLUSTER_DIR": stateDirectory.path])
    }

    /// The state name (`worker-2`) of a node of this cluster.
    public func stateName(of node: NodeProcess) -> String {
        String(node.nodeID.dropFirst(name.count + 1))
    }

    /// The index of the first gateway whose process still runs.
    public var liveGateway: Int {
        gateways.firstIndex { $0.process.isRunning } ?? 0
    }

    private static func record(_ node: NodeProcess, as stateName: String, in stateDirectory: URL) throws {
        for (folder, file, value) in [("ports", "\(stateName).port", node.port), ("pids", "\(stateName).pid", Int(node.process.pid))] {
            let folder = stateDirectory.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try "\(value)\n".write(to: folder.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
    }

    private static func recordServers(in directory: URL, environment: [String: String], redis: RedisServer?, postgres: PostgresServer?) throws {
        let files = FileManager.default
        try files.createDirectory(at: directory, withIntermediateDirectories: true)
        let redisURL = environment["REDIS_URL"] ?? ProcessInfo.processInfo.environment["CHORUS_TEST_REDIS_URL"] ?? ""
        let databaseURL = environment["DATABASE_URL"] ?? ProcessInfo.processInfo.environment["CHORUS_TEST_DATABASE_URL"] ?? ""
        let lines = [
            "REDIS_URL=\(redisURL)", "DATABASE_URL=\(databaseURL)",
            "REDIS_EXTERNAL=\(redis == nil ? 1 : 0)", "POSTGRES_EXTERNAL=\(postgres == nil ? 1 : 0)",
        ]
        // Private, like scripts/cluster's: the URLs carry passwords.
        let clusterEnv = directory.appendingPathComponent("cluster.env")
        guard files.createFile(atPath: clusterEnv.path, contents: Data((lines.joined(separator: "\n") + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw Unexpected(what: "cannot write \(clusterEnv.path)")
        }
        if let redis { try files.createSymbolicLink(at: directory.appendingPathComponent("redis"), withDestinationURL: redis.directory) }
        if let postgres { try files.createSymbolicLink(at: directory.appendingPathComponent("postgres"), withDestinationURL: postgres.directory) }
    }

    /// Stops every process (SIGTERM, then SIGKILL).
    public func stop() async {
        await balancer?.stop()
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

    /// A WebSocket client on gateway `index` (behind the balancer: through it, TLS for odd `index`).
    public func connect(token: String, through index: Int = 0, tokenInQuery: Bool = false) async throws -> ChatClient {
        if let balancer {
            return index % 2 == 0
                ? try await ChatClient(port: balancer.port, token: token, tokenInQuery: tokenInQuery)
                : try await ChatClient(port: balancer.tlsPort, token: token, tokenInQuery: tokenInQuery, trusting: balancer.caFile)
        }
        return try await ChatClient(port: gateways[index].port, token: token, tokenInQuery: tokenInQuery)
    }

    public struct Unexpected: Error, CustomStringConvertible {
        public let what: String
        public init(what: String) { self.what = what }
        public var description: String { what }
    }
}
