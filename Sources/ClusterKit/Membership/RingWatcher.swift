import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// Keeps this node's view of the ring of live workers current: polls `Membership.liveNodes()`
/// every `pollInterval`, and at once when `refresh()` is called (on a `membershipChanged`
/// notification). A worker that stops heart-beating leaves the view within its heartbeat TTL plus
/// one poll interval. Each read sets `members` (`chorus_ring_members`).
public final class RingWatcher: Service, Sendable {
    private let membership: Membership
    private let pollInterval: Duration
    private let clock: any Clock<Duration>
    private let logger: Logger
    private let onChange: @Sendable (HashRing) -> Void
    private let members: Gauge?
    private let state = Mutex<(ring: HashRing, loaded: Bool)>((HashRing(nodes: []), false))
    private let wakeUp: AsyncStream<Void>.Continuation
    private let wakeUps: AsyncStream<Void>

    public init(
        membership: Membership, pollInterval: Duration = .milliseconds(500), clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger,
        members: Gauge? = nil,
        onChange: @escaping @Sendable (HashRing) -> Void = { _ in }
    ) {
        self.members = members
        self.membership = membership
        self.pollInterval = pollInterval
        self.clock = clock
        self.logger = logger
        self.onChange = onChange
        (wakeUps, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The current ring (empty until the first successful read).
    public var ring: HashRing { state.withLock { $0.ring } }

    /// `true` once the live set has been read at least once.
    public var isLoaded: Bool { state.withLock { $0.loaded } }

    /// Re-reads the live set now instead of at the next poll.
    public func refresh() {
        wakeUp.yield()
    }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [wakeUp, pollInterval, clock] in
                while !Task.isCancelled {
                    try await clock.sleep(for: pollInterval)
                    wakeUp.yield()
                }
            }
            group.addTask {
                await self.reload()
                for await _ in self.wakeUps.cancelOnGracefulShutdown() {
                    await self.reload()
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func reload() async {
        guard let nodes = try? await membership.liveNodes() else { return }
        let sorted = Array(Set(nodes)).sorted()
        members?.set(to: Double(sorted.count))
        let unchanged = state.withLock { state -> Bool in
            state.loaded = true
            return state.ring.nodes == sorted
        }
        if unchanged { return }
        let next = HashRing(nodes: sorted)
        state.withLock { $0.ring = next }
        do {
            logger.info("ring changed", metadata: ["workers": "\(next.nodes.joined(separator: ","))"])
            onChange(next)
        }
    }
}
