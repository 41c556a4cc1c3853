import ChorusTestSupport
import ClusterKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing

@testable import Gateway

@Suite struct OperationsAPITests {
    @Test func healthReadinessAndMetrics() async throws {
        try await GatewayHarness.withGateway { client in
            #expect(try await client.json("/healthz", .get).status == .ok)
            #expect(try await client.json("/readyz", .get).status == .ok)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
        }
    }

    @Test func readyz_is503_whenRedisIsUnreachable() async throws {
        var config = try GatewayHarness.config()
        config.node.redisURL = RedisURL(host: "127.0.0.1", port: try freePort())
        var logger = Logger(label: "test.gateway")
        logger.logLevel = .critical
        let (app, _) = await buildGateway(config: config, logger: logger)
        try await app.test(.live) { client in
            #expect(try await client.json("/healthz", .get).status == .ok)
            expectError(try await client.json("/readyz", .get), .serviceUnavailable, "unavailable")
            // Requests that need Redis answer 503, not 500 and not a hang.
            expectError(try await client.json("/v1/auth/me", .get, token: "x.y.z"), .unauthorized, "unauthorized")
        }
    }

    @Test func unknownRoute_is404WithTheErrorBody() async throws {
        try await GatewayHarness.withGateway { client in
            expectError(try await client.json("/nope", .get), .notFound, "not_found")
            expectError(try await client.json("/v1/rooms/1/nope", .get), .notFound, "not_found")
            expectError(try await client.json("/v1/auth/register", .get), .notFound, "not_found")
        }
    }

    @Test func cors_preflightAndSimpleRequests() async throws {
        try await GatewayHarness.withGateway { client in
            let preflight = try await client.execute(
                uri: "/v1/rooms", method: .options,
                headers: [.origin: "https://chat.example", .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "authorization, content-type"]
            )
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://chat.example")
            // Contract v1.1: GET, POST, PATCH and DELETE.
            for method in ["GET", "POST", "PATCH", "DELETE"] {
                #expect(preflight.headers[.accessControlAllowMethods]?.contains(method) == true, "\(method)")
            }
            #expect(preflight.headers[.accessControlAllowHeaders]?.lowercased().contains("authorization") == true)
            let simple = try await client.execute(uri: "/healthz", method: .get, headers: [.origin: "https://chat.example"])
            #expect(simple.headers[.accessControlAllowOrigin] == "https://chat.example")
            let foreign = try await client.execute(uri: "/healthz", method: .get, headers: [.origin: "https://evil.example"])
            #expect(foreign.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func openAPIDocument_isServed() async throws {
        try await GatewayHarness.withGateway { client in
            let response = try await client.execute(uri: "/v1/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body).hasPrefix("openapi: 3.1"))
        }
    }

    /// The document must describe exactly the router's routes: a route added without documenting
    /// it (or documented and never built) fails here.
    @Test func openAPIDocument_matchesTheRouter() async throws {
        let components = await GatewayComponents(
            config: try GatewayHarness.config(), logger: Logger(label: "test"), metrics: PrometheusCollectorRegistry()
        )
        // The browser client's files (`GET /`, `GET /web/...`) are not part of the API.
        let routed = Set(components.makeRouter().routes.map { "\($0.method.rawValue) \($0.path.description)" })
            .filter { $0 != "GET /" && !$0.hasPrefix("GET /web/") }
        let documented = try Set(OpenAPIPaths.operations(in: #require(OpenAPIDocument.text)))
        #expect(routed.subtracting(documented).isEmpty, "routes missing from docs/openapi.yaml: \(routed.subtracting(documented).sorted())")
        #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")
    }
}

/// Reads `METHOD /path` pairs from an OpenAPI YAML document (paths at indent 2, methods at 4).
enum OpenAPIPaths {
    static func operations(in yaml: String) -> [String] {
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "options", "head"]
        var inPaths = false
        var currentPath: String?
        var result: [String] = []
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            guard inPaths else { continue }
            if let first = line.first, first != " ", first != "#" { break }
            if line.hasPrefix("  /"), !line.hasPrefix("   ") {
                currentPath = String(line.dropFirst(2).prefix { $0 != ":" })
                    .trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path = currentPath {
                let key = line.dropFirst(4).prefix { $0 != ":" }
                if methods.contains(String(key)) { result.append("\(key.uppercased()) \(path)") }
            }
        }
        return result
    }
}
