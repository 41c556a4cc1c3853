import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A Redis command client that keeps one pipelined connection open and reconnects with jittered
/// backoff when it is lost. While disconnected, commands fail at once with `RedisError.notConnected`
/// (callers answer `unavailable`) instead of queueing without bound.
///
/// Run it as a `Service`; it closes its connection on graceful shutdown.
public final class RedisClient: Service, Sendable {
    private let url: RedisURL
    private let eventLoopGroup: any EventLoopGroup
    private let commandTimeout: Duration
    private let reconnectLoop: RedisReconnectLoop
    private let current = Mutex<RedisConnection?>(nil)

    public init(
        url: RedisURL,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        commandTimeout: Duration = .seconds(3),
        clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger,
        metrics: RedisConnectionMetrics? = nil
    ) {
        self.url = url
        self.eventLoopGroup = eventLoopGroup
        self.commandTimeout = commandTimeout
        self.reconnectLoop = RedisReconnectLoop(label: "redis", url: url, logger: logger, clock: clock, metrics: metrics)
    }

    /// `true` while a connection is open.
    public var isConnected: Bool { current.withLock { $0 != nil } }

    /// Sends one command; see `RedisConnection.send`.
    @discardableResult
    public func send(_ arguments: [RedisArgument]) async throws -> RedisReply {
        try await connection().send(arguments)
    }

    /// Sends several commands in one write; see `RedisConnection.pipeline`.
    public func pipeline(_ commands: [[RedisArgument]]) async throws -> [RedisReply] {
        try await connection().pipeline(commands)
    }

    /// Writes `commands` now without waiting (see `RedisConnection.write`); `nil` when not connected.
    @discardableResult
    public func write(_ commands: [[RedisArgument]]) -> EventLoopFuture<[RedisReply]>? {
        guard !commands.isEmpty, let connection = current.withLock({ $0 }) else { return nil }
        return connection.write(commands)
    }

    /// Writes `commandCount` preformatted RESP commands now (see `RedisConnection.write(formatted:commandCount:)`);
    /// `nil` when not connected.
    @discardableResult
    public func write(formatted bytes: ByteBuffer, commandCount: Int) -> EventLoopFuture<[RedisReply]>? {
        guard commandCount > 0, let connection = current.withLock({ $0 }) else { return nil }
        return connection.write(formatted: bytes, commandCount: commandCount)
    }

    private func connection() throws -> RedisConnection {
        guard let connection = current.withLock({ $0 }) else { throw RedisError.notConnected }
        return connection
    }

    /// Connects, and reconnects after every loss (`RedisReconnectLoop`, its backoff sleeps on
    /// `clock`), until the task is cancelled or shut down gracefully.
    public func run() async throws {
        await reconnectLoop.run(
            connect: { try await RedisConnection.connect(to: url, eventLoopGroup: eventLoopGroup, timeout: commandTimeout) },
            current: { self.current.withLock { $0 } },
            onConnected: { connection in
                current.withLock { $0 = connection }
                return [:]
            },
            onDisconnected: { current.withLock { $0 = nil } }
        )
    }
}
