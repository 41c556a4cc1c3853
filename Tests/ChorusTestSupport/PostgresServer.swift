import ClusterKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private Postgres a test can crash and start again on the same port and data, started with
/// the project's own `scripts/lib/services.sh` (which knows how to run it as the postgres user).
public final class PostgresServer: Sendable {
    public let directory: URL
    public let port: Int

    public init() throws {
        directory = TestEnvironment.runDirectory.appendingPathComponent("pg-\(UUID().uuidString.prefix(8))")
        port = try freePort()
    }

    public var url: String { "postgres://chorus@127.0.0.1:\(port)/chorus" }

    /// Starts (or restarts) the server and waits until it answers.
    public func start() async throws {
        // Durable settings (no --fast): with synchronous_commit off, a crash loses acked commits.
        try await Self.run("start_postgres '\(directory.path)' \(port)")
    }

    /// Crashes the server (immediate shutdown: no goodbye to clients).
    public func crash() async throws {
        try await Self.run("crash_postgres '\(directory.path)' || stop_postgres '\(directory.path)'")
    }

    /// Stops it for good.
    public func stop() async {
        try? await Self.run("stop_postgres '\(directory.path)'")
    }

    /// Runs a services.sh command and waits for it (posix_spawn + waitpid: Foundation's `Process`
    /// did not notice this shell's exit here).
    private static func run(_ command: String) async throws {
        let library = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/lib/services.sh").path
        let arguments = ["/bin/bash", "-c", "set -euo pipefail; source '\(library)'; \(command) >/dev/null 2>&1"]
        var pid: pid_t = 0
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        guard posix_spawn(&pid, "/bin/bash", nil, nil, &argv, environ) == 0 else {
            throw TestEnvironment.MissingServer(variable: "postgres: cannot spawn bash")
        }
        var status: Int32 = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                throw TestEnvironment.MissingServer(variable: "postgres: \(command) timed out")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard status == 0 else { throw TestEnvironment.MissingServer(variable: "postgres: \(command) failed (\(status))") }
    }
}
