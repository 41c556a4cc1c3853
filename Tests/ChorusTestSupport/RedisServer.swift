import ClusterKit
import Foundation

/// A private redis-server a test can stop and start again on the same port (to test reconnects).
public final class RedisServer: @unchecked Sendable {
    // @unchecked: `process` is replaced only by `start`/`stop`, which a test calls from one task.
    public let port: Int
    private var process: ChildProcess?

    public init() throws {
        port = try freePort()
    }

    public var url: RedisURL { RedisURL(host: "127.0.0.1", port: port) }

    /// Starts the server and waits until it accepts connections.
    public func start() async throws {
        let executable = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { FileManager.default.fileExists(atPath: $0) }
        guard let executable else { throw TestEnvironment.MissingServer(variable: "redis-server binary") }
        process = try ChildProcess(
            name: "redis-\(port)", executable: URL(fileURLWithPath: executable),
            arguments: ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        )
        let url = self.url
        let up = await eventually(timeout: .seconds(10)) {
            guard let connection = try? await RedisConnection.connect(to: url) else { return false }
            connection.close()
            return true
        }
        if !up { throw TestEnvironment.MissingServer(variable: "redis-server on port \(port)") }
    }

    /// Kills the server (SIGKILL: no goodbye to clients).
    public func kill() async {
        process?.signal(SIGKILL)
        await process?.waitForExit()
        process = nil
    }

    deinit {
        process?.signal(SIGKILL)
    }
}
