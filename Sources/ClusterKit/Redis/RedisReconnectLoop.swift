import Logging
import ServiceLifecycle

/// The one connect → wait until lost → back off → reconnect loop behind `RedisClient` and
/// `RedisSubscriber`.
///
/// Each round connects, hands the connection to `onConnected`, waits until it closes (task
/// cancellation closes it), calls `onDisconnected`, and sleeps a jittered `Backoff` delay on
/// `clock` before the next round; a successful connect resets the backoff. It returns on task
/// cancellation or graceful shutdown, which closes the connection `current` returns. Reconnects
/// and failed connects are counted in `metrics` (`chorus_redis_reconnects_total`,
/// `chorus_redis_connect_failures_total`).
struct RedisReconnectLoop: Sendable {
    /// Names the connection in log messages ("redis", "redis subscriber").
    let label: String
    let url: RedisURL
    let logger: Logger
    let clock: any Clock<Duration>
    let metrics: RedisConnectionMetrics?

    /// Runs the loop until the task is cancelled or shut down gracefully.
    /// - Parameters:
    ///   - connect: opens one connection (throws when Redis is unreachable).
    ///   - current: the connection open now, for graceful shutdown to close.
    ///   - onConnected: makes the new connection current; returns extra metadata for the log.
    ///   - onDisconnected: forgets the connection once it is closed.
    func run(
        connect: () async throws -> RedisConnection,
        current: @escaping @Sendable () -> RedisConnection?,
        onConnected: (RedisConnection) -> Logger.Metadata,
        onDisconnected: () -> Void
    ) async {
        var backoff = Backoff()
        // Every connection after the first attempt is a reconnect: one before it was lost or failed.
        var attempted = false
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                do {
                    defer { attempted = true }
                    let connection = try await connect()
                    if attempted { metrics?.reconnects.increment() }
                    let metadata = onConnected(connection)
                    // A shutdown that began while connecting found no connection to close.
                    if Task.isShuttingDownGracefully { connection.close() }
                    backoff.reset()
                    logger.info("\(label) connected", metadata: metadata.merging(["redis": "\(url)"]) { new, _ in new })
                    await withTaskCancellationHandler {
                        await connection.waitUntilClosed()
                    } onCancel: {
                        connection.close()
                    }
                    onDisconnected()
                    if Task.isCancelled || Task.isShuttingDownGracefully { break }
                    logger.warning("\(label) connection lost", metadata: ["redis": "\(url)"])
                } catch {
                    metrics?.connectFailures.increment()
                    logger.warning("\(label) connect failed", metadata: ["redis": "\(url)", "error": "\(error)"])
                }
                try? await clock.sleep(for: backoff.nextDelay())
            }
        } onGracefulShutdown: {
            current()?.close()
        }
    }
}
