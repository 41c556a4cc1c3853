import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A Redis pub/sub subscriber that survives Redis restarts.
///
/// Channels are reference counted (`SubscriptionStateMachine`); after a lost connection it
/// reconnects with jittered backoff and subscribes every channel it still holds before reporting
/// itself connected again. A PING every `pingInterval` of silence detects a stalled server.
public final class RedisSubscriber: Service, Sendable {
    /// Receives each message: its channel and payload. Called on an event loop: do not block.
    public typealias MessageHandler = @Sendable (_ channel: String, _ payload: ByteBuffer) -> Void

    private struct State {
        var machine = SubscriptionStateMachine()
        var connection: RedisConnection?
    }

    private let url: RedisURL
    private let eventLoopGroup: any EventLoopGroup
    private let timeout: Duration
    private let pingInterval: Duration
    private let logger: Logger
    private let onMessage: MessageHandler
    private let onConnectionChange: @Sendable (Bool) -> Void
    private let state = Mutex(State())

    public init(
        url: RedisURL,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        timeout: Duration = .seconds(3),
        pingInterval: Duration = .seconds(1),
        logger: Logger,
        onConnectionChange: @escaping @Sendable (Bool) -> Void = { _ in },
        onMessage: @escaping MessageHandler
    ) {
        self.url = url
        self.eventLoopGroup = eventLoopGroup
        self.timeout = timeout
        self.pingInterval = pingInterval
        self.logger = logger
        self.onConnectionChange = onConnectionChange
        self.onMessage = onMessage
    }

    /// `true` while connected with every wanted channel subscribed.
    public var isConnected: Bool { state.withLock { $0.machine.isConnected } }

    /// Channels currently wanted.
    public var channels: Set<String> { state.withLock { $0.machine.channels } }

    /// Adds a local subscriber of `channel`.
    public func subscribe(_ channel: String) {
        // The write happens inside the lock so that SUBSCRIBE/UNSUBSCRIBE reach Redis in the order
        // the state machine decided them.
        state.withLock { state in
            Self.perform(state.machine.subscribeRequested(channel), on: state.connection)
        }
    }

    /// Removes a local subscriber of `channel`.
    public func unsubscribe(_ channel: String) {
        state.withLock { state in
            Self.perform(state.machine.unsubscribeRequested(channel), on: state.connection)
        }
    }

    private static func perform(_ action: SubscriptionStateMachine.Action, on connection: RedisConnection?) {
        guard let connection else { return }
        switch action {
        case .none: break
        case .subscribe(let channels): connection.writeWithoutReply(["SUBSCRIBE"] + channels.map { .string($0) })
        case .unsubscribe(let channels): connection.writeWithoutReply(["UNSUBSCRIBE"] + channels.map { .string($0) })
        }
    }

    private func handlePush(_ reply: RedisReply) {
        guard case .array(let parts) = reply, parts.count == 3, parts[0].string == "message",
            let channel = parts[1].string, case .bulk(let payload) = parts[2]
        else { return }
        onMessage(channel, payload)
    }

    public func run() async throws {
        var backoff = Backoff()
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                do {
                    let connection = try await RedisConnection.connect(
                        to: url, eventLoopGroup: eventLoopGroup, timeout: timeout, pingInterval: pingInterval,
                        onPush: { [weak self] reply in self?.handlePush(reply) }
                    )
                    let resubscribed = state.withLock { state in
                        state.connection = connection
                        let action = state.machine.connected()
                        Self.perform(action, on: connection)
                        return state.machine.channels.count
                    }
                    backoff.reset()
                    logger.info("redis subscriber connected", metadata: ["redis": "\(url)", "channels": "\(resubscribed)"])
                    onConnectionChange(true)
                    await withTaskCancellationHandler {
                        await connection.waitUntilClosed()
                    } onCancel: {
                        connection.close()
                    }
                    state.withLock { state in
                        state.connection = nil
                        state.machine.disconnected()
                    }
                    onConnectionChange(false)
                    if Task.isCancelled || Task.isShuttingDownGracefully { break }
                    logger.warning("redis subscriber connection lost", metadata: ["redis": "\(url)"])
                } catch {
                    logger.warning("redis subscriber connect failed", metadata: ["redis": "\(url)", "error": "\(error)"])
                }
                try? await Task.sleep(for: backoff.nextDelay())
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.connection }?.close()
        }
    }
}
