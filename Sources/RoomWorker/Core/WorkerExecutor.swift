import CMemoryTrim
import ClusterKit
import Foundation
import Logging
import NIOCore

/// Carries out what the worker's state machine decides. It holds the machine, feeds it every
/// event with the time, and performs the actions: Redis writes at once and in order (so a room's
/// events reach the gateways in seq order), Postgres work and timers handed to the service's task
/// group as `WorkerJob`s. It counts what it carries out in `metrics` (stored messages, commit
/// retries, fenced commits) and sets the room gauges on every housekeeping tick.
actor WorkerExecutor<C: Clock> where C.Duration == Duration {
    private var machine: RoomOwnershipStateMachine
    private let clock: C
    /// The clock's reading when the executor started: the machine's times are measured from it.
    private let origin: C.Instant
    private let redis: RedisClient
    private let names: ChannelNames
    private let logger: Logger
    private let jobs: AsyncStream<WorkerJob>.Continuation
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// Reply channel names by gateway id (one string per gateway, not one per reply).
    private var gatewayChannels: [String: String] = [:]
    private let metrics: WorkerMetrics

    init(
        settings: WorkerSettings, names: ChannelNames, clock: C, redis: RedisClient, logger: Logger, metrics: WorkerMetrics,
        jobs: AsyncStream<WorkerJob>.Continuation
    ) {
        self.machine = RoomOwnershipStateMachine(settings: settings)
        self.metrics = metrics
        self.clock = clock
        self.origin = clock.now
        self.redis = redis
        self.names = names
        self.logger = logger
        self.jobs = jobs
    }

    var session: Int64? { machine.session }
    var ownedRoomIDs: [Int64] { machine.ownedRoomIDs }
    var loadedRoomCount: Int { machine.rooms.count }
    var heldBytes: Int { machine.heldBytes }

    // MARK: Events

    func receive(_ request: RoomRequest) {
        carryOut(machine.requestReceived(request, now: now, wallMillis: Self.wallMillis()))
    }

    func sessionStarted(_ session: Int64) { machine.sessionStarted(session) }

    func sessionLost() {
        logger.warning("session expired: dropping every room", metadata: ["rooms": "\(machine.rooms.count)"])
        carryOut(machine.sessionLost())
    }

    func ringChanged(_ ring: HashRing) { carryOut(machine.ringChanged(ring)) }

    func released(_ roomIDs: [Int64]) { carryOut(machine.released(roomIDs)) }

    func releaseFailed(_ roomIDs: [Int64]) {
        carryOut(machine.releaseFailed(roomIDs, now: now, wallMillis: Self.wallMillis()))
    }

    func beginDrain() { carryOut(machine.beginDrain()) }

    func gatewaysAlive(_ live: Set<String>) {
        let actions = machine.gatewaysAlive(live, now: now)
        if !actions.isEmpty { logger.info("gateways gone: dropping their members") }
        carryOut(actions)
    }

    func roomLoaded(_ roomID: Int64, lastSeq: Int64, tail: [ChatMessage], keys: [(IdempotencyKey, Int64)], participants: Set<Int64>?) {
        logger.debug("room acquired", metadata: ["room": "\(roomID)", "last_seq": "\(lastSeq)"])
        carryOut(
            machine.roomLoaded(roomID, lastSeq: lastSeq, tail: tail, keys: keys, participants: participants, now: now, wallMillis: Self.wallMillis())
        )
    }

    func participantsLoaded(_ roomID: Int64, token: UInt64, _ participants: Set<Int64>) {
        carryOut(machine.participantsLoaded(roomID, token: token, participants))
    }

    func participantsLoadFailed(_ roomID: Int64, token: UInt64) {
        carryOut(machine.participantsLoadFailed(roomID, token: token))
    }

    func roomLoadFailed(_ roomID: Int64, code: ErrorCode, message: String) {
        carryOut(machine.roomLoadFailed(roomID, code: code, message: message))
    }

    /// Periodic: idle rooms are shed or released, the memory budget is enforced, gauges are set.
    func tick() {
        let held = machine.heldBytes
        carryOut(machine.tick(now: now))
        // glibc keeps freed memory in its arenas: hand a large release back to the system, so
        // that unloading rooms shows in the resident set and not only in `heldBytes`.
        if held - machine.heldBytes >= 8 << 20 { _ = chorus_memory_trim() }
        metrics.roomsOwned.set(to: Double(machine.servedRoomCount))
        metrics.roomsLoaded.set(to: Double(machine.rooms.count))
        metrics.roomStateBytes.set(to: Double(machine.heldBytes))
    }

    /// The running commit ended; `prepared` holds its frames and events, encoded while it ran.
    func commitEnded(_ result: Result<WorkerStore.CommitResult, any Error>, prepared: BatchPublications) {
        let now = self.now
        switch result {
        case .success(.committed):
            carryOut(machine.commitSucceeded(frames: prepared.frames, now: now), prepared: prepared)
        case .success(.fenced(let lost)):
            metrics.fencedCommits.increment()
            logger.warning("commit fenced: rooms lost or closed", metadata: ["rooms": "\(lost.sorted())"])
            carryOut(machine.commitFenced(lost: lost, now: now))
        case .success(.duplicates(let stored)):
            carryOut(machine.commitFoundDuplicates(stored, now: now))
        case .success(.rejected(let reasons)):
            carryOut(machine.commitRejected(reasons, now: now))
        case .failure(let error):
            logger.warning("commit failed", metadata: ["error": "\(String(reflecting: error))"])
            carryOut(machine.commitFailed(now: now, jitter: Double.random(in: 0...1)))
        }
    }

    func commitRetryDue() { carryOut(machine.commitRetryDue()) }

    /// Returns once no send waits or runs.
    func waitUntilIdle() async {
        if machine.isIdle { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    // MARK: Actions

    private func carryOut(_ actions: [WorkerAction], prepared: BatchPublications? = nil) {
        var commands: [[RedisArgument]] = []
        for action in actions {
            switch action {
            case .reply(let target, let result):
                commands.append(replyCommand(target, result))
            case .presence(let roomID, let event, let userID, let username):
                let key = names.roomMembers(roomID)
                commands.append(
                    event == .join
                        ? ["HSET", .string(key), .string(String(userID)), .string(username)]
                        : ["HDEL", .string(key), .string(String(userID))]
                )
                let frame = ServerFrame.presence(roomID: roomID, event: event, userID: userID, username: username)
                commands.append(publish(roomID, .presence(userID: userID, frame: frame)))
            case .setMember(let roomID, let userID, let username):
                commands.append(["HSET", .string(names.roomMembers(roomID)), .string(String(userID)), .string(username)])
            case .clearMembers(let roomID):
                commands.append(["DEL", .string(names.roomMembers(roomID))])
            case .removed(let roomID, let userID):
                commands.append(publish(roomID, .removed(userID: userID, frame: ServerFrame.removed(roomID: roomID))))
            case .typing(let roomID, let userID, let username):
                let frame = ServerFrame.typing(roomID: roomID, userID: userID, username: username)
                commands.append(publish(roomID, .typing(userID: userID, frame: frame)))
            case .load(let roomID):
                jobs.yield(.load(roomID: roomID))
            case .loadParticipants(let roomID, let token):
                jobs.yield(.loadParticipants(roomID: roomID, token: token))
            case .release(let roomIDs):
                jobs.yield(.release(roomIDs))
            case .commit(let batch):
                jobs.yield(.commit(batch))
            case .retryCommit(let delay):
                metrics.commitRetries.increment()
                jobs.yield(.retryCommit(after: delay))
            case .publishCommitted(let batch):
                metrics.storedMessages.increment(by: Int64(batch.sends.count))
                if !commands.isEmpty { redis.write(commands) }
                commands.removeAll()
                writeCommitted(batch, prepared: prepared ?? BatchPublications(batch.messages, names: names))
            }
        }
        if !commands.isEmpty { redis.write(commands) }
        if machine.isIdle, !idleWaiters.isEmpty {
            let waiters = idleWaiters
            idleWaiters.removeAll()
            for waiter in waiters { waiter.resume() }
        }
    }

    /// Each message's ack(s), then its event, in batch order: one preformatted write.
    private func writeCommitted(_ batch: CommitBatch, prepared: BatchPublications) {
        var out = ByteBufferAllocator().buffer(capacity: prepared.events.readableBytes + batch.sends.count * 64)
        var payload = ByteBufferAllocator().buffer(capacity: 32)
        var count = 0
        for (index, send) in batch.sends.enumerated() {
            for target in send.replyTo {
                payload.clear()
                ClusterMessage.reply(RoomReply(requestID: target.requestID, result: .acked(seq: send.message.seq))).encode(into: &payload)
                RESPWriter.writePublish(channel: gatewayChannel(target.gatewayID), payload: payload, into: &out)
                count += 1
            }
            out.writeImmutableBuffer(prepared.event(index))
            count += 1
        }
        redis.write(formatted: out, commandCount: count)
    }

    private func gatewayChannel(_ gatewayID: String) -> String {
        if let name = gatewayChannels[gatewayID] { return name }
        let name = names.gateway(gatewayID)
        if gatewayChannels.count >= 4_096 { gatewayChannels.removeAll() }
        gatewayChannels[gatewayID] = name
        return name
    }

    private func replyCommand(_ target: ReplyTarget, _ result: RoomReply.Result) -> [RedisArgument] {
        let message = ClusterMessage.reply(RoomReply(requestID: target.requestID, result: result))
        return ["PUBLISH", .string(gatewayChannel(target.gatewayID)), .bytes(message.encoded())]
    }

    private func publish(_ roomID: Int64, _ event: RoomEvent) -> [RedisArgument] {
        ["PUBLISH", .string(names.room(roomID)), .bytes(ClusterMessage.event(roomID: roomID, event).encoded())]
    }

    /// Monotonic time since the executor started, as the state machine takes it.
    private var now: Duration { origin.duration(to: clock.now) }

    private static func wallMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}
