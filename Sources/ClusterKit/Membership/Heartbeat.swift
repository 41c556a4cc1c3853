import Logging
import ServiceLifecycle
import Synchronization

/// Keeps one node in its membership set: announces it every `interval` for `ttl`, and withdraws it
/// on graceful shutdown. Gateways use it so that workers can tell a dead gateway's members apart.
public final class Heartbeat: Service, Sendable {
    private let membership: Membership
    private let nodeID: String
    private let interval: Duration
    private let ttl: Duration
    private let clock: any Clock<Duration>
    private let logger: Logger
    private let announced = Atomic<Bool>(false)

    public init(
        membership: Membership, nodeID: String, interval: Duration = .seconds(1), ttl: Duration = .seconds(3),
        clock: any Clock<Duration> = ContinuousClock(), logger: Logger
    ) {
        self.membership = membership
        self.clock = clock
        self.nodeID = nodeID
        self.interval = interval
        self.ttl = ttl
        self.logger = logger
    }

    /// `true` once the node has been announced at least once.
    public var hasAnnounced: Bool { announced.load(ordering: .relaxed) }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await membership.announce(nodeID, ttl: ttl)
                announced.store(true, ordering: .relaxed)
            } catch {
                logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await self.clock.sleep(for: self.interval) }
        }
        try? await membership.withdraw(nodeID)
    }
}
