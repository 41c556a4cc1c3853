import ChorusTestSupport
import ClusterKit
import Foundation
import Logging
import Testing

/// Redis and Postgres as `scripts/lib/services.sh` starts them (for `scripts/cluster up` and the
/// tests) require credentials: without them, nobody on the host can publish as any user.
@Suite struct ServerCredentialsTests {
    let logger = Logger(label: "test.credentials")

    @Test func redis_refusesClientsWithoutTheACLUser_andServesTheACLURL() async throws {
        let server = try RedisServer()
        try await server.start()

        // No credentials: connected, but every command is refused.
        let anonymous = try await RedisConnection.connect(to: RedisURL(host: "127.0.0.1", port: server.port))
        await #expect(throws: RedisError.self) { try await anonymous.send(["PUBLISH", "room:1", "forged"]) }
        do {
            _ = try await anonymous.send(["PUBLISH", "room:1", "forged"])
        } catch RedisError.server(let message) {
            #expect(message.hasPrefix("NOAUTH"), "\(message)")
        }
        anonymous.close()

        // The password alone authenticates as the default user, which is off (what Chorus sent
        // before it knew ACL users).
        await #expect(throws: RedisError.self) {
            try await RedisConnection.connect(to: RedisURL(host: "127.0.0.1", port: server.port, password: server.password)).close()
        }
        // A wrong password.
        await #expect(throws: RedisError.self) {
            try await RedisConnection.connect(to: RedisURL(host: "127.0.0.1", port: server.port, password: "wrong", username: "chorus")).close()
        }

        // redis://chorus:SECRET@...: AUTH chorus SECRET.
        let url = try RedisURL(server.url.urlString)
        #expect(url.username == "chorus" && url.password == server.password)
        let connection = try await RedisConnection.connect(to: url)
        defer { connection.close() }
        #expect(try await connection.send(["PUBLISH", "room:1", "hello"]).integer == 0)
        #expect(try await connection.send(["SET", .string(uniqueName("test:acl:")), "v"]) == .status("OK"))
        // Least privilege: the @dangerous commands (FLUSHALL, CONFIG, ...) are not the chorus user's.
        for command in [["FLUSHALL"], ["CONFIG", "GET", "requirepass"], ["ACL", "LIST"]] as [[RedisArgument]] {
            do {
                _ = try await connection.send(command)
                Issue.record("\(command) was allowed")
            } catch RedisError.server(let message) {
                #expect(message.hasPrefix("NOPERM"), "\(message)")
            }
        }

        // The client the nodes use.
        let client = RedisClient(url: url, logger: logger)
        try await withRunningServices([client]) {
            #expect(await eventually { (try? await client.send(["PING"])) == .status("PONG") })
        }
        await server.kill()
    }

    /// (Reconnecting with the same URL after a restart: `RedisClientTests`, whose servers now
    /// run with credentials too.)
    @Test func redis_keepsItsPasswordAcrossRestarts() async throws {
        let server = try RedisServer()
        try await server.start()
        await server.kill()
        try await server.start()
        // What services.sh exported: the same URL, credentials included.
        let env = try String(contentsOf: server.directory.appendingPathComponent("env"), encoding: .utf8)
        let exported = try #require(env.split(separator: "\n").first { $0.hasPrefix("REDIS_URL=") }?.dropFirst("REDIS_URL=".count))
        #expect(try RedisURL(String(exported)) == server.url)
        await server.kill()
    }

    @Test func postgres_refusesConnectionsWithoutThePassword() async throws {
        let url = try TestEnvironment.databaseURL
        let password = try #require(url.password, "scripts/test's Postgres has a password")
        let psql = "/usr/bin/psql -w -X -q -t -A -h \(url.host) -p \(url.port) -U \(url.username) -d \(url.database) -c 'SELECT 7'"
        await #expect(throws: Shell.Failed.self) { try await Shell.run(psql, environment: ["PGPASSWORD": ""]) }
        await #expect(throws: Shell.Failed.self) { try await Shell.run(psql, environment: ["PGPASSWORD": "wrong"]) }
        #expect(try await Shell.run(psql, environment: ["PGPASSWORD": password]).trimmingCharacters(in: .whitespacesAndNewlines) == "7")
    }
}
