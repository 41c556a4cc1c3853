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
        /// Channels Redis has confirmed on the current connection.
        var confirmed: Set<String> = []
        /// Tasks waiting for a channel's confirmation, by channel and waiter id.
        var waiters: [String: [UInt64: CheckedContinuation<Bool, Never>]] = [:]
        var nextWaiterID: UInt64 = 0
    }

    private let url: RedisURL
    private let eventLoopGroup: any EventLoopGroup
    private let timeout: Duration
    private let pingInterval: Duration
    private let reconnectLoop: RedisReconnectLoop
    private let onMessage: MessageHandler
    private let onConnectionChange: @Sendable (Bool) -> Void
    private let state = Mutex(State())

    public init(
        url: RedisURL,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        timeout: Duration = .seconds(3),
        pingInterval: Duration = .seconds(1),
        clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger,
        metrics: RedisConnectionMetrics? = nil,
        onConnectionChange: @escaping @Sendable (Bool) -> Void = { _ in },
        onMessage: @escaping MessageHandler
    ) {
        self.url = url
        self.eventLoopGroup = eventLoopGroup
        self.timeout = timeout
        self.pingInterval = pingInterval
        self.reconnectLoop = RedisReconnectLoop(label: "redis subscriber", url: url, logger: logger, clock: clock, metrics: metrics)
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

    /// Adds a local subscriber of `channel` and waits until Redis has confirmed the subscription,
    /// so that every message published after this returns is delivered. Returns `false` if the
    /// confirmation did not come within `timeout` (the subscription stays requested).
    public func subscribeAndWait(_ channel: String, timeout: Duration = .seconds(3)) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let waiterID = state.withLock { state -> UInt64? in
                Self.perform(state.machine.subscribeRequested(channel), on: state.connection)
                if state.confirmed.contains(channel) { return nil }
                state.nextWaiterID += 1
                state.waiters[channel, default: [:]][state.nextWaiterID] = continuation
                return state.nextWaiterID
            }
            guard let waiterID else {
                continuation.resume(returning: true)
                return
            }
            eventLoopGroup.any().scheduleTask(in: TimeAmount(timeout)) {
                let waiter = self.state.withLock { $0.waiters[channel]?.removeValue(forKey: waiterID) }
                waiter?.resume(returning: false)
            }
        }
    }

    /// Removes a local subscriber of `channel`.
    public func unsubscribe(_ channel: String) {
        state.withLock { state in
            let action = state.machine.unsubscribeRequested(channel)
            if case .unsubscribe = action { state.confirmed.remove(channel) }
            Self.perform(action, on: state.connection)
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
        guard case .array(let parts) = reply, parts.count == 3, let kind = parts[0].string, let channel = parts[1].string else {
            return
        }
        switch kind {
        case "message":
            if case .bulk(let payload) = parts[2] { onMessage(channel, payload) }
        case "subscribe":
            let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
                guard state.machine.count(of: channel) > 0 else { return [] }
                state.confirmed.insert(channel)
                return state.waiters.removeValue(forKey: channel).map { Array($0.values) } ?? []
            }
            for waiter in waiters { waiter.resume(returning: true) }
        case "unsubscribe":
            state.withLock { state in
                if state.machine.count(of: channel) == 0 { state.confirmed.remove(channel) }
            }
        default:
            break
        }
    }

    /// Connects, resubscribes and reconnects after every loss (`RedisReconnectLoop`, its backoff sleeps on
    /// `clock`), until the task is cancelled or shut down gracefully.
    public func run() async throws {
        await reconnectLoop.run(
            connect: {
                try await RedisConnection.connect(
                    to: url, eventLoopGroup: eventLoopGroup, timeout: timeout, pingInterval: pingInterval,
                    onPush: { [weak self] reply in self?.handlePush(reply) }
                )
            },
            current: { self.state.withLock { $0.connection } },
            onConnected: { connection in
                let resubscribed = state.withLock { state in
                    state.connection = connection
                    let action = state.machine.connected()
                    Self.perform(action, on: connection)
                    return state.machine.channels.count
                }
                onConnectionChange(true)
                return ["channels": "\(resubscribed)"]
            },
            onDisconnected: {
                state.withLock { state in
                    state.connection = nil
                    state.confirmed.removeAll()
                    state.machine.disconnected()
                }
                onConnectionChange(false)
            }
        )
    }
}
