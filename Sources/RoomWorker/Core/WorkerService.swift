import ClusterKit
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Runs a worker's cluster life: its session and heartbeat, the requests from Redis, and the jobs
/// of its `WorkerCore` (room loads, group commits, releases), all inside one task group.
final class WorkerService: Service, Sendable {
    let nodeID: String
    let config: WorkerConfig
    let core: WorkerCore
    let store: WorkerStore
    let membership: Membership
    let gateways: Membership
    let ringWatcher: RingWatcher
    let logger: Logger
    private let jobs: AsyncStream<WorkerJob>
    private let jobSink: AsyncStream<WorkerJob>.Continuation
    private let draining = Atomic<Bool>(false)
    /// Longest a drain waits for pending messages to commit before it gives the rooms up anyway.
    static let drainTimeout: Duration = .seconds(10)
    private let rings: AsyncStream<HashRing>
    private let requests: AsyncStream<RoomRequest>
    private let requestSink: AsyncStream<RoomRequest>.Continuation
    private let joined = Atomic<Bool>(false)

    init(config: WorkerConfig, redis: RedisClient, store: WorkerStore, logger: Logger) {
        self.nodeID = config.node.nodeID
        self.config = config
        self.store = store
        self.logger = logger
        self.membership = Membership(redis: redis, names: config.node.names)
        self.gateways = Membership(redis: redis, names: config.node.names, kind: .gateways)
        let (jobs, jobSink) = AsyncStream.makeStream(of: WorkerJob.self)
        self.jobs = jobs
        self.jobSink = jobSink
        (requests, requestSink) = AsyncStream.makeStream(of: RoomRequest.self)
        let core = WorkerCore(nodeID: config.node.nodeID, config: config, redis: redis, logger: logger, jobs: jobSink)
        self.core = core
        // Ring changes reach the core in order, through a stream its run loop reads.
        let (rings, ringSink) = AsyncStream.makeStream(of: HashRing.self, bufferingPolicy: .bufferingNewest(16))
        self.rings = rings
        self.ringWatcher = RingWatcher(membership: membership, logger: logger) { ring in
            ringSink.yield(ring)
        }
    }

    /// `true` once the worker has a session and is on the ring it sees.
    var isJoined: Bool { joined.load(ordering: .relaxed) && ringWatcher.ring.nodes.contains(nodeID) }

    /// Called on a Redis event loop for every message on this worker's channels: decode and queue, never block.
    func handle(channel: String, payload: ByteBuffer) {
        do {
            switch try ClusterMessage(decoding: payload) {
            case .request(let request): requestSink.yield(request)
            case .membershipChanged: ringWatcher.refresh()
            default: break
            }
        } catch {
            logger.warning("undecodable cluster message", metadata: ["channel": "\(channel)", "error": "\(error)"])
        }
    }

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.ringWatcher.run() }
            group.addTask { await self.heartbeat() }
            group.addTask {
                for await ring in self.rings { await self.core.ringChanged(ring) }
            }
            group.addTask {
                // Still answered during a drain (with `unavailable`), so nobody waits for a timeout.
                for await request in self.requests {
                    await self.core.receive(request)
                }
            }
            group.addTask {
                try? await gracefulShutdown()
                await self.drain()
                self.jobSink.finish()
            }
            // Jobs keep running during a drain: the last batch must still commit.
            for await job in jobs {
                switch job {
                case .load(let roomID): group.addTask { await self.load(roomID) }
                case .commit: group.addTask { await self.commitLoop() }
                case .release(let rooms): group.addTask { await self.release(rooms) }
                }
            }
            group.cancelAll()
        }
    }

    /// Planned shutdown (SIGTERM): leave the ring first so gateways route elsewhere, stop taking
    /// work, let the pending batch commit, then release every room and end the session, so the
    /// new owners take the rooms at once instead of waiting for a lease to expire.
    private func drain() async {
        draining.store(true, ordering: .relaxed)
        let started = ContinuousClock.now
        try? await membership.withdraw(nodeID)
        await core.beginDrain()
        while await !core.isIdle, ContinuousClock.now - started < Self.drainTimeout {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if let session = await core.session {
            try? await store.release(roomIDs: await core.ownedRoomIDs, session: session)
            try? await store.closeSession(session)
        }
        logger.info("worker drained", metadata: ["duration": "\(ContinuousClock.now - started)"])
    }

    /// Keeps this worker on the ring (Redis) and its session alive (Postgres). The session is only
    /// renewed while the Redis heartbeat works: a worker the cluster cannot see must let its rooms go.
    private func heartbeat() async {
        var lastAnnounced: ContinuousClock.Instant?
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let draining = self.draining.load(ordering: .relaxed)
            // A draining worker stays off the ring but keeps its session alive until it released its rooms.
            if !draining, (try? await membership.announce(nodeID, ttl: config.leaseTTL)) != nil {
                lastAnnounced = now
            }
            if let live = try? await gateways.liveNodes() { await core.gatewaysAlive(Set(live)) }
            let visible = draining || (lastAnnounced.map { now - $0 < config.leaseTTL } ?? false)
            do {
                // Bounded like every storage call: a hung Postgres call must not stop the heartbeat.
                let ttl = config.leaseTTL
                let nodeID = self.nodeID
                if let session = await core.session {
                    if visible, try await storage({ try await $0.renewSession(session, ttl: ttl) }) == false {
                        await core.sessionLost()
                        joined.store(false, ordering: .relaxed)
                    }
                } else if visible && !draining {
                    let session = try await storage { try await $0.openSession(nodeID: nodeID, ttl: ttl) }
                    await core.sessionStarted(session)
                    joined.store(true, ordering: .relaxed)
                    logger.info("worker session opened", metadata: ["session": "\(session)"])
                    ringWatcher.refresh()
                }
            } catch {
                logger.warning("session heartbeat failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: config.heartbeatInterval)
        }
    }

    private func load(_ roomID: Int64) async {
        guard let session = await core.session else {
            return await core.loadFailed(roomID: roomID, code: .unavailable, message: "worker has no session, retry")
        }
        do {
            switch try await storage({ try await $0.acquire(roomID: roomID, session: session) }) {
            case .acquired(let lastSeq):
                let (tail, keys) = try await storage { [config] store in
                    (
                        try await store.tail(roomID: roomID, lastSeq: lastSeq, count: config.tailSize),
                        try await store.idempotencyKeys(roomID: roomID, lastSeq: lastSeq, window: config.idempotencyWindow)
                    )
                }
                await core.loaded(roomID: roomID, lastSeq: lastSeq, tail: tail, keys: keys)
            case .notFound:
                await core.loadFailed(roomID: roomID, code: .roomNotFound, message: "room not found")
            case .busy:
                await core.loadFailed(roomID: roomID, code: .unavailable, message: "room is being handed over, retry")
            case .sessionExpired:
                await core.loadFailed(roomID: roomID, code: .unavailable, message: "worker session expired, retry")
                await core.sessionLost()
            }
        } catch {
            logger.warning("room load failed", metadata: ["room": "\(roomID)", "error": "\(error)"])
            await core.loadFailed(roomID: roomID, code: .unavailable, message: "storage unavailable, retry")
        }
    }

    /// Commits batches until nothing is pending: whatever arrives during one commit goes in the next.
    private func commitLoop() async {
        let names = config.node.names
        while let batch = await core.takeBatch() {
            // The frames and events are encoded on another core while Postgres commits.
            async let prepared = BatchPublications(batch.messages, names: names)
            let result = await commitRetrying(batch)
            await core.finishCommit(result, prepared: await prepared)
        }
    }

    /// Commits `batch`, retrying the same batch (same seqs) with backoff for up to `commitRetry`
    /// while Postgres fails, so that a short Postgres restart costs its senders a delay, not an error.
    /// Retrying is safe even when a failed attempt did commit: the fence (`last_seq = previous`)
    /// then refuses the retry, the rooms are reloaded and the senders' retries are acked from the keys.
    private func commitRetrying(_ batch: WorkerCore.Batch) async -> Result<WorkerStore.CommitResult, any Error> {
        let started = ContinuousClock.now
        var backoff = Backoff(base: .milliseconds(100), maximum: .seconds(1))
        while true {
            guard let session = await core.session else { return .failure(SessionMissing()) }
            do {
                let result = try await storage { try await $0.commit(batch.messages, previous: batch.previous, session: session) }
                if ContinuousClock.now - started > .milliseconds(500) {
                    logger.notice("commit succeeded after retrying", metadata: ["after": "\(ContinuousClock.now - started)"])
                }
                return .success(result)
            } catch {
                let delay = backoff.nextDelay(unit: Double.random(in: 0.5..<1))
                guard ContinuousClock.now - started + delay < config.commitRetry else { return .failure(error) }
                logger.warning("commit failed, retrying", metadata: ["error": "\(error)", "in": "\(delay)"])
                try? await Task.sleep(for: delay)
            }
        }
    }

    private func release(_ rooms: [Int64]) async {
        guard let session = await core.session else { return }
        do {
            try await store.release(roomIDs: rooms, session: session)
            await core.released(rooms)
        } catch {
            logger.warning("room release failed", metadata: ["error": "\(error)"])
        }
    }

    /// Runs a storage call bounded by `STORAGE_TIMEOUT_MS`.
    private func storage<T: Sendable>(_ operation: @escaping @Sendable (WorkerStore) async throws -> T) async throws -> T {
        let store = self.store
        return try await withTimeout(config.storageTimeout) { try await operation(store) }
    }

    private struct SessionMissing: Error {}
}
