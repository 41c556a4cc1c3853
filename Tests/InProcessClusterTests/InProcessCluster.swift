import ChorusTestSupport
import ClusterKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle

@testable import Gateway
@testable import RoomWorker

/// A gateway and a worker in this process, under a cluster name of their own, over the run's real
/// Redis and Postgres: realtime behaviour tested in seconds, without child processes.
struct InProcessCluster: Sendable {
    let name: String
    let worker: WorkerService<ContinuousClock>
    let client: any TestClientProtocol
    let gatewayPort: Int
    let environment: [String: String]
    static let secret = "in-process-test-secret-0123456789abcdef"

    var names: ChannelNames { ChannelNames(cluster: name) }

    /// Runs `body` against a fresh in-process cluster; `environment` adds worker and gateway settings.
    static func run(
        environment extra: [String: String] = [:],
        _ body: @escaping @Sendable (InProcessCluster) async throws -> Void
    ) async throws {
        let name = uniqueName("inproc")
        var environment = extra
        environment["CLUSTER_NAME"] = name
        environment["DATABASE_URL"] = ProcessInfo.processInfo.environment["CHORUS_TEST_DATABASE_URL"] ?? ""
        environment["REDIS_URL"] = ProcessInfo.processInfo.environment["CHORUS_TEST_REDIS_URL"] ?? ""
        environment["JWT_SECRET"] = secret
        environment["SCRYPT_LOG2N"] = "10"
        environment["LOGIN_PER_ADDRESS_PER_MIN"] = environment["LOGIN_PER_ADDRESS_PER_MIN"] ?? "100000"
        _ = try TestEnvironment.databaseURL  // a clear error when run outside scripts/test
        var logger = Logger(label: "test.inprocess")
        logger.logLevel = .warning

        var workerEnvironment = environment
        workerEnvironment["NODE_ID"] = "\(name)-worker-1"
        var workerConfig = try WorkerConfig(from: ConfigSource(file: nil, environment: workerEnvironment), processID: 1)
        workerConfig.node.port = 0
        workerConfig.node.host = "127.0.0.1"
        let (workerApp, worker) = buildWorker(config: workerConfig, logger: logger)

        var gatewayEnvironment = environment
        gatewayEnvironment["NODE_ID"] = "\(name)-gateway-1"
        var gatewayConfig = try GatewayConfig(from: ConfigSource(file: nil, environment: gatewayEnvironment), processID: 1)
        gatewayConfig.node.port = 0
        gatewayConfig.node.host = "127.0.0.1"
        let (gatewayApp, _) = await buildGateway(config: gatewayConfig, logger: logger)

        let settings = environment
        let workers = ServiceGroup(configuration: .init(services: [workerApp], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await workers.run() }
            defer { group.cancelAll() }
            try await gatewayApp.test(.live) { client in
                // Ready once the gateway sees the worker on the ring.
                let ready = await eventually(timeout: .seconds(20)) {
                    guard worker.isJoined else { return false }
                    return (try? await client.execute(uri: "/readyz", method: .get).status) == .ok
                }
                guard ready, let port = client.port else { throw TestCluster.Unexpected(what: "in-process cluster did not get ready") }
                try await Task.sleep(for: .milliseconds(600))  // one ring poll of the gateway
                try await body(InProcessCluster(name: name, worker: worker, client: client, gatewayPort: port, environment: settings))
            }
            await workers.triggerGracefulShutdown()
            try await group.next()
        }
    }

    // MARK: Helpers

    /// Registers a user; returns its id, name and token.
    func register(_ prefix: String = "u") async throws -> (id: Int64, username: String, token: String) {
        let username = uniqueName(prefix)
        let response = try await client.execute(
            uri: "/v1/auth/register", method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(string: #"{"username":"\#(username)","email":"\#(username)@example.com","password":"password-1"}"#)
        )
        let json = JSON(response.body)
        guard response.status == .created, let id = json["user"]["id"].int, let token = json["token"].string else {
            throw TestCluster.Unexpected(what: "register: \(response.status)")
        }
        return (id, username, token)
    }

    /// Creates a room; returns its id.
    func createRoom(token: String) async throws -> Int64 {
        let response = try await client.execute(
            uri: "/v1/rooms", method: .post, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
            body: ByteBuffer(string: #"{"name":"room"}"#)
        )
        guard let id = JSON(response.body)["room"]["id"].int else { throw TestCluster.Unexpected(what: "create room: \(response.status)") }
        return id
    }

    /// The status of an authenticated request (a POST carries a small room body, which the routes
    /// that take no body ignore).
    func status(_ uri: String, _ method: HTTPRequest.Method = .get, token: String) async throws -> HTTPResponse.Status {
        try await client.execute(
            uri: uri, method: method, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
            body: method == .post ? ByteBuffer(string: #"{"name":"r"}"#) : nil
        ).status
    }

    /// The value of a gateway metric without labels (from `/metrics`), nil if it is not there.
    func metric(_ name: String) async throws -> Double? {
        let body = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
        for line in body.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// A WebSocket client of the gateway.
    func connect(token: String) async throws -> ChatClient {
        try await ChatClient(port: gatewayPort, token: token)
    }
}
