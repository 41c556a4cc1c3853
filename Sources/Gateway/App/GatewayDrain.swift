import ClusterKit
import Logging
import ServiceLifecycle
import Synchronization

/// Planned shutdown of a gateway (SIGTERM): it reports not-ready (the load balancer stops sending
/// new clients), closes every WebSocket with 1001 after what is already queued for it (clients
/// reconnect elsewhere and resume with `since_seq`), waits for them to go, then lets the HTTP
/// server stop. Runs after the application in the service group, so it is told to shut down first.
final class GatewayDrain: Service, Sendable {
    let registry: ConnectionRegistry
    let logger: Logger
    /// Longest wait for sockets to close before the server stops anyway.
    let timeout: Duration
    private let draining = Atomic<Bool>(false)

    init(registry: ConnectionRegistry, logger: Logger, timeout: Duration = .seconds(10)) {
        self.registry = registry
        self.logger = logger
        self.timeout = timeout
    }

    var isDraining: Bool { draining.load(ordering: .relaxed) }

    func run() async throws {
        try? await gracefulShutdown()
        draining.store(true, ordering: .relaxed)
        let started = ContinuousClock.now
        let open = registry.count
        registry.closeAll(code: .goingAway, reason: "server going away: reconnect and resume with since_seq")
        let registry = self.registry
        try? await withTimeout(timeout) { await registry.waitUntilEmpty() }
        logger.info("gateway drained", metadata: ["sockets": "\(open)", "left_open": "\(registry.count)", "duration": "\(ContinuousClock.now - started)"])
    }
}
