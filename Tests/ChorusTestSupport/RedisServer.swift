import ClusterKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private redis-server a test can crash and start again on the same port (to test reconnects),
/// started with the project's own `scripts/lib/services.sh`, like `scripts/chaos` restarts it.
public final class RedisServer: Sendable {
    public let directory: URL
    public let port: Int
    /// The password of its ACL user `chorus` (`redis.secret` in `directory`; the default user is off).
    public let password: String

    public init() throws {
        directory = TestEnvironment.runDirectory.appendingPathComponent("redis-\(UUID().uuidString.prefix(8))")
        port = try freePort()
        password = try serviceSecret(in: directory, name: "redis")
    }

    /// With the credentials; `url.urlString` is the `REDIS_URL` for a node.
    public var url: RedisURL { RedisURL(host: "127.0.0.1", port: port, password: password, username: "chorus") }

    /// Starts the server and waits until it accepts connections.
    public func start() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try await Shell.services("start_redis '\(directory.path)' \(port)")
    }

    /// Kills the server (SIGKILL: no goodbye to clients).
    public func kill() async {
        _ = try? await Shell.services("crash_redis '\(directory.path)' >/dev/null")
    }

    /// A server the test did not stop is killed with it, so that none outlives the run.
    deinit {
        let env = (try? String(contentsOf: directory.appendingPathComponent("env"), encoding: .utf8)) ?? ""
        if let line = env.split(separator: "\n").first(where: { $0.hasPrefix("REDIS_PID=") }),
            let pid = Int32(line.dropFirst("REDIS_PID=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"' ")))
        {
            Glibc.kill(pid, SIGKILL)
        }
    }
}
