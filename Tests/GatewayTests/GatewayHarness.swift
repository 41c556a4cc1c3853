import ChorusTestSupport
import ClusterKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import Gateway

/// Builds gateways against the run's real Redis and Postgres and talks to them over real sockets.
enum GatewayHarness {
    static let secret = "test-secret-that-is-long-enough-0123456789"

    static func config(maxBodyBytes: Int = 65_536, tokenTTL: Duration = .seconds(3600)) throws -> GatewayConfig {
        try GatewayConfig(
            node: NodeSettings(
                nodeID: uniqueName("gateway-test-"), host: "127.0.0.1", port: 0,
                databaseURL: try TestEnvironment.databaseURL, databasePoolSize: 4,
                redisURL: try TestEnvironment.redisURL
            ),
            jwtSecret: secret,
            tokenTTL: tokenTTL,
            maxBodyBytes: maxBodyBytes,
            corsAllowedOrigins: ["https://chat.example"],
            scryptLog2N: 10,
            loginPerAddressPerMinute: 100_000,  // every test client is 127.0.0.1
            loginPerAccountPerMinute: 100_000
        )
    }

    /// Runs `body` against a live in-process gateway.
    static func withGateway(
        _ config: GatewayConfig? = nil,
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        var logger = Logger(label: "test.gateway")
        logger.logLevel = .warning
        let (app, _) = await buildGateway(config: try config ?? Self.config(), logger: logger)
        try await app.test(.live) { client in
            // The server accepts before the services are connected: wait until ready.
            _ = await eventually {
                (try? await client.execute(uri: "/readyz", method: .get).status) == .ok
            }
            try await body(client)
        }
    }
}

/// A registered test user.
struct TestUser: Sendable {
    let id: Int64
    let username: String
    let email: String
    let password: String
    let token: String

    var auth: HTTPFields { [.authorization: "Bearer \(token)"] }
}

extension TestClientProtocol {
    func json(
        _ uri: String, _ method: HTTPRequest.Method, token: String? = nil, body: String? = nil,
        headers: HTTPFields = [:]
    ) async throws -> (status: HTTPResponse.Status, json: JSON, response: TestResponse) {
        var fields = headers
        if let token { fields[.authorization] = "Bearer \(token)" }
        if body != nil { fields[.contentType] = "application/json" }
        let response = try await execute(uri: uri, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) })
        return (response.status, JSON(response.body), response)
    }

    func register(_ prefix: String = "u") async throws -> TestUser {
        let username = uniqueName(prefix)
        let email = "\(username)@example.com"
        let password = "password-\(username)"
        let (status, json, _) = try await self.json(
            "/v1/auth/register", .post,
            body: #"{"username":"\#(username)","email":"\#(email)","password":"\#(password)"}"#
        )
        #expect(status == .created)
        return TestUser(
            id: json["user"]["id"].int ?? 0, username: username, email: email, password: password,
            token: json["token"].string ?? ""
        )
    }
}

/// Asserts the contract's error body and status.
func expectError(
    _ result: (status: HTTPResponse.Status, json: JSON, response: TestResponse),
    _ status: HTTPResponse.Status, _ code: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(result.status == status, sourceLocation: sourceLocation)
    #expect(result.json["error"]["code"].string == code, "body: \(String(buffer: result.response.body))", sourceLocation: sourceLocation)
    #expect(!(result.json["error"]["message"].string ?? "").isEmpty, sourceLocation: sourceLocation)
}
