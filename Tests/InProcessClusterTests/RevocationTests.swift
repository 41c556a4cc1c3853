import ChorusTestSupport
import ClusterKit
import Foundation
import Hummingbird
import NIOCore
import NIOWebSocket
import PostgresNIO
import Testing

@testable import Gateway

/// Revocations are durable (Postgres), and a gateway that missed one still closes the socket.
@Suite struct RevocationTests {
    /// Deletes every revocation key of `cluster` from Redis: what a Redis restart, failover or
    /// flush does, without touching the parallel tests' keys.
    func forgetRevocationsInRedis(_ cluster: InProcessCluster) async throws {
        let connection = try await RedisConnection.connect(to: try TestEnvironment.redisURL)
        defer { connection.close() }
        let keys = try await connection.send(["KEYS", .string("\(cluster.name):revoked:*")]).array ?? []
        for key in keys.compactMap(\.string) { _ = try await connection.send(["DEL", .string(key)]) }
    }

    @Test func loggedOutAndDeletedAccountsTokens_stayRefused_whenRedisLosesTheRevocations() async throws {
        try await InProcessCluster.run { cluster in
            let alice = try await cluster.register("alice")
            let bob = try await cluster.register("bob")
            #expect(try await cluster.status("/v1/auth/logout", .post, token: alice.token) == .noContent)
            #expect(try await cluster.status("/v1/users/me", .delete, token: bob.token) == .noContent)
            try await forgetRevocationsInRedis(cluster)
            for token in [alice.token, bob.token] {
                #expect(try await cluster.status("/v1/auth/me", token: token) == .unauthorized)
                #expect(try await cluster.status("/v1/rooms", .post, token: token) == .unauthorized)
                await #expect(throws: (any Error).self) { _ = try await cluster.connect(token: token) }
            }
            // The gateway copies the revocations back into Redis.
            let connection = try await RedisConnection.connect(to: try TestEnvironment.redisURL)
            defer { connection.close() }
            #expect(await eventually { (try? await connection.send(["EXISTS", .string("\(cluster.name):revoked:synced")]).integer) == 1 })
            #expect(try await cluster.status("/v1/auth/me", token: alice.token) == .unauthorized)
        }
    }

    @Test func aRevocationWhoseNotificationWasLost_stillClosesTheSocket() async throws {
        try await InProcessCluster.run { cluster in
            let alice = try await cluster.register("alice")
            let client = try await cluster.connect(token: alice.token)
            client.send(#"{"type":"ping"}"#)
            _ = try await client.next(type: "pong")
            // Revoked in Postgres only: as when Redis failed after the revocation was recorded,
            // or the gateway's subscriber was reconnecting when it was published.
            let jti = try #require(Self.claim("jti", of: alice.token))
            do {
                try await TestDatabase.withConnection { connection in
                    try await connection.query(
                        "INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES (\(jti), \(alice.id), now() + interval '1 hour')",
                        logger: .init(label: "test")
                    )
                }
            } catch {
                Issue.record("insert failed: \(String(reflecting: error))")
                throw error
            }
            #expect(await client.closedCode(timeout: .seconds(10)) == .unknown(4001))
        }
    }

    /// A claim of a JWT's payload (no verification: the test made the token).
    static func claim(_ name: String, of token: String) -> String? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object[name] as? String
    }
}
