import ClusterKit
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Runs a worker's cluster life: its session and heartbeat, the requests from Redis, and the jobs
/// of its `WorkerExecutor` (room loads, group commits, retries, releases), all in one task group.
/// Every timer runs on the injected clock, which also times the commits and room loads recorded in
/// `metrics`.
final class WorkerService<C: Clock>: Service, Sendable where C.Duration == Duration {
    let nodeID: String
    let config: WorkerConfig
    let executor: WorkerExecutor<C>
    let store: WorkerStore
    let membership: Membership
    let gateways: Membership
    let ringWatcher: RingWatcher
    let logger: Logger
    let metrics: WorkerMetrics
    private let clock: C
    private let jobs: AsyncStream<WorkerJob>
    private let jobSink: AsyncStream<WorkerJob>.Continuation
    private let draining = Atomic<Bool>(false)
    /// Longest a drain waits for pending messages to commit before it gives the rooms up anyway.
    static var drainTimeout: Duration { .seconds(10) }
    private let rings: AsyncStream<HashRing>
    private let requests: AsyncStream<RoomRequest>
    private let requestSink: AsyncStream<RoomRequest>.Continuation
    private let joined = Atomic<Bool>(false)

    init(config: WorkerConfig, redis: RedisClient, store: WorkerStore, clock: C, logger: Logger, metrics: WorkerMetrics) {
        self.nodeID = config.node.nodeID
        self.metrics = metrics
        self.config = config
        self.store = store
        self.clock = clock
        self.logger = logger
        self.membership = Membership(redis: redis, names: config.node.names)
        self.gateways = Membership(redis: redis, names: config.node.names, kind: .gateways)
        let (jobs, jobSink) = AsyncStream.makeStream(of: WorkerJob.self)
        self.jobs = jobs
        self.jobSink = jobSink
        (requests, requestSink) = AsyncStream.makeStream(of: RoomRequest.self)
        self.executor = WorkerExecutor(
            settings: WorkerSettings(config), names: config.node.names, clock: clock, redis: redis, logger: logger, metrics: metrics,
            jobs: jobSink
        )
        // Ring changes reach the executor in order, through a stream its run loop reads.
        let (rings, ringSink) = AsyncStream.makeStream(of: HashRing.self, bufferingPolicy: .bufferingNewest(16))
        self.rings = rings
        self.ringWatcher = RingWatcher(membership: membership, clock: clock, logger: logger, members: metrics.node.ringMembers) { ring in
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
            group.addTask { await self.housekeeping() }
            group.addTask {
                for await ring in self.rings { await self.executor.ringChanged(ring) }
            }
            group.addTask {
                // Still answered during a drain (with `unavailable`), so nobody waits for a timeout.
                for await request in self.requests {
                    await self.executor.receive(request)
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
                case .loadParticipants(let roomID, let token): group.addTask { await self.loadParticipants(roomID, token: token) }
                case .commit(let batch): group.addTask { await self.commit(batch) }
                case .retryCommit(let delay):
                    group.addTask {
                        try? await self.clock.sleep(for: delay)
                        await self.executor.commitRetryDue()
                    }
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
        let started = clock.now
        try? await membership.withdraw(nodeID)
        await executor.beginDrain()
        let executor = self.executor
        try? await withTimeout(Self.drainTimeout) { await executor.waitUntilIdle() }
        if let session = await executor.session {
            try? await store.release(roomIDs: await executor.ownedRoomIDs, session: session)
            try? await store.closeSession(session)
        }
        logger.info("worker drained", metadata: ["duration": "\(started.duration(to: clock.now))"])
    }

    /// Keeps this worker on the ring (Redis) and its session alive (Postgres). The session is only
    /// renewed while the Redis heartbeat works: a worker the cluster cannot see must let its rooms go.
    private func heartbeat() async {
        var lastAnnounced: C.Instant?
        while !Task.isCancelled {
            let now = clock.now
            let draining = self.draining.load(ordering: .relaxed)
            // A draining worker stays off the ring but keeps its session alive until it released its rooms.
            if !draining, (try? await membership.announce(nodeID, ttl: config.leaseTTL)) != nil {
                lastAnnounced = now
            }
            if let live = try? await gateways.liveNodes() { await executor.gatewaysAlive(Set(live)) }
            let visible = draining || (lastAnnounced.map { $0.duration(to: now) < config.leaseTTL } ?? false)
            do {
                // Bounded like every storage call: a hung Postgres call must not stop the heartbeat.
                let ttl = config.leaseTTL
                let nodeID = self.nodeID
                if let session = await executor.session {
                    if visible, try await storage({ try await $0.renewSession(session, ttl: ttl) }) == false {
                        await executor.sessionLost()
                        joined.store(false, ordering: .relaxed)
                    }
                } else if visible && !draining {
                    let session = try await storage { try await $0.openSession(nodeID: nodeID, ttl: ttl) }
                    await executor.sessionStarted(session)
                    joined.store(true, ordering: .relaxed)
                    logger.info("worker session opened", metadata: ["session": "\(session)"])
                    ringWatcher.refresh()
                }
            } catch {
                logger.warning("session heartbeat failed", metadata: ["error": "\(error)"])
            }
            try? await clock.sleep(for: config.heartbeatInterval)
        }
    }

    /// Idle rooms are shed or released, and the memory budget enforced, a few times per idle timeout.
    private func housekeeping() async {
        let interval = min(.seconds(1), config.roomIdleTimeout / 4)
        while !Task.isCancelled {
            try? await clock.sleep(for: interval)
            await executor.tick()
        }
    }

    private func load(_ roomID: Int64) async {
        guard let session = await executor.session else {
            metrics.roomLoaded(.sessionExpired, after: nil)
            return await executor.roomLoadFailed(roomID, code: .unavailable, message: "worker has no session, retry")
        }
        let started = clock.now
        func done(_ outcome: WorkerMetrics.LoadOutcome) { metrics.roomLoaded(outcome, after: started.duration(to: clock.now)) }
        do {
            switch try await storage({ try await $0.acquire(roomID: roomID, session: session) }) {
            case .acquired(let lastSeq, let isPrivate):
                let (tail, keys, participants) = try await storage { [config] store in
                    (
                        try await store.tail(roomID: roomID, lastSeq: lastSeq, count: config.tailSize),
                        try await store.idempotencyKeys(roomID: roomID, lastSeq: lastSeq, window: config.idempotencyWindow),
                        isPrivate ? try await store.participants(roomID: roomID) : nil
                    )
                }
                done(.loaded)
                await executor.roomLoaded(roomID, lastSeq: lastSeq, tail: tail, keys: keys, participants: participants)
            case .notFound:
                done(.notFound)
                await executor.roomLoadFailed(roomID, code: .roomNotFound, message: "room not found")
            case .busy:
                done(.busy)
                await executor.roomLoadFailed(roomID, code: .unavailable, message: "room is being handed over, retry")
            case .sessionExpired:
                done(.sessionExpired)
                await executor.roomLoadFailed(roomID, code: .unavailable, message: "worker session expired, retry")
                await executor.sessionLost()
            }
        } catch {
            done(.failed)
            logger.warning("room load failed", metadata: ["room": "\(roomID)", "error": "\(error)"])
            await executor.roomLoadFailed(roomID, code: .unavailable, message: "storage unavailable, retry")
        }
    }

    /// Reads a private room's participants again after a change (see `AccessRefreshes`).
    private func loadParticipants(_ roomID: Int64, token: UInt64) async {
        do {
            let participants = try await storage { try await $0.participants(roomID: roomID) }
            await executor.participantsLoaded(roomID, token: token, participants)
        } catch {
            logger.warning("participants read failed", metadata: ["room": "\(roomID)", "error": "\(error)"])
            await executor.participantsLoadFailed(roomID, token: token)
        }
    }

    /// One attempt at committing `batch`; the executor's state machine decides what follows
    /// (the next batch, a retry of this one after a delay, or giving up).
    private func commit(_ batch: CommitBatch) async {
        let messages = batch.messages
        // The frames and events are encoded on another core while Postgres commits.
        async let prepared = BatchPublications(messages, names: config.node.names)
        let result: Result<WorkerStore.CommitResult, any Error>
        let started = clock.now
        do {
            guard let session = await executor.session else { throw SessionMissing() }
            result = .success(try await storage { try await $0.commit(messages, previous: batch.previous, session: session) })
        } catch {
            result = .failure(error)
        }
        metrics.commitDuration.record(started.duration(to: clock.now))
        metrics.commitBatchSize.record(Double(messages.count))
        await executor.commitEnded(result, prepared: await prepared)
    }

    private func release(_ rooms: [Int64]) async {
        guard let session = await executor.session else { return }
        do {
            try await storage { try await $0.release(roomIDs: rooms, session: session) }
            await executor.released(rooms)
        } catch {
            logger.warning("room release failed", metadata: ["error": "\(error)"])
            await executor.releaseFailed(rooms)
        }
    }

    /// Runs a storage call bounded by `STORAGE_TIMEOUT_MS`.
    private func storage<T: Sendable>(_ operation: @escaping @Sendable (WorkerStore) async throws -> T) async throws -> T {
        let store = self.store
        do {
            return try await withTimeout(config.storageTimeout) { try await operation(store) }
        } catch {
            metrics.node.postgres.record(error)
            throw error
        }
    }

    private struct SessionMissing: Error {}
}
