import ClusterKit
import Foundation

/// A private Postgres a test can crash and start again on the same port and data, started with
/// the project's own `scripts/lib/services.sh` (which knows how to run it as the postgres user).
public final class PostgresServer: Sendable {
    public let directory: URL
    public let port: Int
    /// The password of role `chorus` (`postgres.secret` in `directory`; scram-sha-256).
    public let password: String

    public init() throws {
        directory = TestEnvironment.runDirectory.appendingPathComponent("pg-\(UUID().uuidString.prefix(8))")
        port = try freePort()
        password = try serviceSecret(in: directory, name: "postgres")
    }

    /// The `DATABASE_URL`, with the password.
    public var url: String { "postgres://chorus:\(password)@127.0.0.1:\(port)/chorus" }

    /// Starts (or restarts) the server and waits until it answers.
    public func start() async throws {
        // Durable settings (no --fast): with synchronous_commit off, a crash loses acked commits.
        try await Shell.services("start_postgres '\(directory.path)' \(port)")
    }

    /// Crashes the server (immediate shutdown: no goodbye to clients).
    public func crash() async throws {
        try await Shell.services("crash_postgres '\(directory.path)' || stop_postgres '\(directory.path)'")
    }

    /// Stops it for good.
    public func stop() async {
        _ = try? await Shell.services("stop_postgres '\(directory.path)'")
    }
}
