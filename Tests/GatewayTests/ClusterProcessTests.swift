import ChorusTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Real Gateway and RoomWorker processes over real sockets, sharing the run's Redis and Postgres.
@Suite struct ClusterProcessTests {
    static let environment = [
        "JWT_SECRET": "cluster-test-secret-0123456789abcdefghijkl",
        "SCRYPT_LOG2N": "10",
    ]

    @Test func tokenRevokedThroughOneGateway_isRefusedByTheOther() async throws {
        let first = try await NodeProcess.start("Gateway", nodeID: uniqueName("gateway-a-"), environment: Self.environment)
        let second = try await NodeProcess.start("Gateway", nodeID: uniqueName("gateway-b-"), environment: Self.environment)
        try await first.waitUntilReady()
        try await second.waitUntilReady()

        let username = uniqueName("cross")
        let registered = try await first.request(
            "/v1/auth/register", method: .post,
            body: #"{"username":"\#(username)","email":"\#(username)@example.com","password":"password-1"}"#
        )
        #expect(registered.status == .created)
        let token = try #require(JSON(registered.body ?? ByteBuffer())["token"].string)
        let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
        #expect(try await second.request("/v1/auth/me", headers: bearer).status == .ok)

        #expect(try await first.request("/v1/auth/logout", method: .post, headers: bearer).status == .noContent)
        // Refused by the other gateway at once: no waiting for propagation.
        let refused = try await second.request("/v1/auth/me", headers: bearer)
        #expect(refused.status == .unauthorized)
        #expect(JSON(refused.body ?? ByteBuffer())["error"]["code"].string == "unauthorized")

        // Account deletion through the second gateway ends every token on the first.
        let login = try await second.request(
            "/v1/auth/login", method: .post, body: #"{"username":"\#(username)","password":"password-1"}"#
        )
        let fresh: HTTPFields = [.authorization: "Bearer \(try #require(JSON(login.body ?? ByteBuffer())["token"].string))"]
        #expect(try await first.request("/v1/auth/me", headers: fresh).status == .ok)
        #expect(try await second.request("/v1/users/me", method: .delete, headers: fresh).status == .noContent)
        #expect(try await first.request("/v1/auth/me", headers: fresh).status == .unauthorized)

        await first.process.stop()
        await second.process.stop()
        #expect(!first.process.isRunning && !second.process.isRunning)
    }

    @Test func sigterm_stopsAGatewayAndAWorkerCleanly() async throws {
        let gateway = try await NodeProcess.start("Gateway", nodeID: uniqueName("gateway-t-"), environment: Self.environment)
        let worker = try await NodeProcess.start("RoomWorker", nodeID: uniqueName("worker-t-"))
        try await gateway.waitUntilReady()
        try await worker.waitUntilReady()
        #expect(try await worker.request("/healthz").status == .ok)
        #expect(try await worker.request("/metrics").status == .ok)
        gateway.process.signal(SIGTERM)
        worker.process.signal(SIGTERM)
        let gatewayExit = await gateway.process.waitForExit(timeout: .seconds(15))
        let workerExit = await worker.process.waitForExit(timeout: .seconds(15))
        #expect(gatewayExit == 0, "gateway: \(gatewayExit.map(String.init) ?? "still running") after SIGTERM\n\(gateway.process.output.suffix(3000))")
        #expect(workerExit == 0, "worker: \(workerExit.map(String.init) ?? "still running") after SIGTERM\n\(worker.process.output.suffix(3000))")
    }

    @Test(arguments: [
        (["JWT_SECRET": "too-short"], "JWT_SECRET"),
        (["JWT_SECRET": "cluster-test-secret-0123456789abcdefghijkl", "DATABASE_URL": "mysql://nope"], "DATABASE_URL"),
        (["JWT_SECRET": "cluster-test-secret-0123456789abcdefghijkl", "PORT": "http"], "PORT"),
    ])
    func invalidConfiguration_stopsAtStartWithOneLineNamingTheSetting(environment: [String: String], setting: String) async throws {
        let node = try NodeProcess("Gateway", nodeID: uniqueName("gateway-bad-"), environment: environment)
        let status = await node.process.waitForExit(timeout: .seconds(15))
        #expect(status == 1)
        let lines = node.process.output.split(separator: "\n")
        #expect(lines.count == 1, "output: \(node.process.output)")
        #expect(lines.first?.contains("invalid configuration: \(setting):") == true, "output: \(node.process.output)")
    }
}
