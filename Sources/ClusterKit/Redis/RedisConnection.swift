import Logging
import NIOCore
import NIOPosix

/// One TCP connection to Redis. Thread-safe: every method may be called from any task.
///
/// Commands are pipelined: each is written at once and its reply matched in order, so many tasks
/// share one connection without waiting for each other's round trips.
public final class RedisConnection: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Opens a connection, authenticates and selects the database.
    /// - Parameters:
    ///   - timeout: connect timeout, and the longest a command may stay unanswered before the connection is dropped.
    ///   - pingInterval: on a subscriber connection, how long without traffic before a PING checks liveness.
    ///   - onPush: set for subscriber connections: receives every reply no command waits for.
    public static func connect(
        to url: RedisURL,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        timeout: Duration = .seconds(3),
        pingInterval: Duration = .seconds(1),
        onPush: (@Sendable (RedisReply) -> Void)? = nil
    ) async throws -> RedisConnection {
        let channel = try await ClientBootstrap(group: eventLoopGroup)
            .channelOption(ChannelOptions.socket(SocketOptionLevel(IPPROTO_TCP), TCP_NODELAY), value: 1)
            .channelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RedisChannelHandler(timeout: TimeAmount(timeout), pingInterval: TimeAmount(pingInterval), onPush: onPush)
                    )
                }
            }
            .connect(host: url.host, port: url.port)
            .get()
        let connection = RedisConnection(channel: channel)
        do {
            if let password = url.password {
                if let username = url.username {
                    // An ACL user (Redis 6+).
                    _ = try await connection.send(["AUTH", .string(username), .string(password)])
                } else {
                    _ = try await connection.send(["AUTH", .string(password)])
                }
            }
            if url.database != 0 {
                _ = try await connection.send(["SELECT", .integer(Int64(url.database))])
            }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// Sends one command and returns its reply; an error reply throws `RedisError.server`.
    @discardableResult
    public func send(_ arguments: [RedisArgument]) async throws -> RedisReply {
        let replies = try await pipeline([arguments])
        if case .error(let message) = replies[0] { throw RedisError.server(message) }
        return replies[0]
    }

    /// Sends several commands in one write and returns their replies in order (error replies included).
    public func pipeline(_ commands: [[RedisArgument]]) async throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        return try await write(commands).get()
    }

    /// Writes `commands` now, without waiting: calls made one after another (from the same task or
    /// actor) reach Redis in that order. The future holds the replies.
    public func write(_ commands: [[RedisArgument]]) -> EventLoopFuture<[RedisReply]> {
        var buffer = channel.allocator.buffer(capacity: 64 * commands.count)
        for command in commands { RESPWriter.write(command, into: &buffer) }
        let promise = channel.eventLoop.makePromise(of: [RedisReply].self)
        channel.writeAndFlush(RedisRequest(bytes: buffer, replyCount: commands.count, promise: promise)).cascadeFailure(to: promise)
        return promise.futureResult
    }

    /// Writes `commandCount` commands already formatted as RESP (see `RESPWriter`) now, without
    /// waiting; ordered with `write(_:)`. The future holds the replies.
    public func write(formatted bytes: ByteBuffer, commandCount: Int) -> EventLoopFuture<[RedisReply]> {
        let promise = channel.eventLoop.makePromise(of: [RedisReply].self)
        channel.writeAndFlush(RedisRequest(bytes: bytes, replyCount: commandCount, promise: promise)).cascadeFailure(to: promise)
        return promise.futureResult
    }

    /// Writes a command whose answer arrives as push messages (SUBSCRIBE, UNSUBSCRIBE on a subscriber connection).
    public func writeWithoutReply(_ arguments: [RedisArgument]) {
        var buffer = channel.allocator.buffer(capacity: 64)
        RESPWriter.write(arguments, into: &buffer)
        channel.writeAndFlush(RedisRequest(bytes: buffer, replyCount: 0, promise: nil), promise: nil)
    }

    /// Waits until the connection is closed, by either side.
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }

    /// Closes the connection; pending commands fail with `RedisError.connectionClosed`.
    public func close() {
        channel.close(promise: nil)
    }
}
