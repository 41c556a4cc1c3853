import ClusterKit
import Foundation
import Logging
import NIOCore

/// The room owner's brain: all room state of this worker, isolated in one actor.
///
/// Requests arrive in Redis order and are handled without suspending; the I/O they need (taking a
/// room, a group commit, a release) is handed out as `WorkerJob`s and the results come back through
/// `loaded`, `finishCommit`, etc. Replies and room events are written to Redis in the order they are
/// decided, so a room's events reach gateways in seq order.
actor WorkerCore {
    enum Slot {
        /// Being acquired/loaded; requests wait here in order. `previous` keeps presence across a reload.
        case loading(queue: [RoomRequest], previous: OwnedRoom?)
        case ready(OwnedRoom)
    }

    struct Batch: Sendable {
        let messages: [ChatMessage]
        let previous: [Int64: Int64]
    }

    let nodeID: String
    let config: WorkerConfig
    let redis: RedisClient
    let names: ChannelNames
    let logger: Logger
    private let jobs: AsyncStream<WorkerJob>.Continuation

    private(set) var session: Int64?
    private var ring = HashRing(nodes: [])
    private var rooms: [Int64: Slot] = [:]
    /// Sends waiting for the next commit, in arrival order.
    private var pending: [PendingSend] = []
    private var pendingIndex: [RoomKey: Int] = [:]
    /// Sends of the commit that is running (seqs assigned).
    private var inFlight: [PendingSend] = []
    private var inFlightIndex: [RoomKey: Int] = [:]
    private var commitInFlight = false

    /// Most messages a join reply replays from the tail; longer gaps are read from Postgres by the gateway.
    static let maxReplay = 500

    init(nodeID: String, config: WorkerConfig, redis: RedisClient, logger: Logger, jobs: AsyncStream<WorkerJob>.Continuation) {
        self.nodeID = nodeID
        self.config = config
        self.redis = redis
        self.names = config.node.names
        self.logger = logger
        self.jobs = jobs
    }

    var ownedRoomCount: Int { rooms.count }

    /// Set while the worker shuts down: nothing new is taken, everything owned is handed over.
    private(set) var draining = false

    /// `true` when no send waits or runs.
    var isIdle: Bool { pending.isEmpty && inFlight.isEmpty && !commitInFlight }

    /// Every room currently owned (for the final release).
    var ownedRoomIDs: [Int64] { Array(rooms.keys) }

    /// Gateways seen alive; one that disappears from the live set has died (a drained gateway
    /// sends `leave` for its sockets first), and its members leave every room.
    /// A gateway counts as dead only after it has been missing for a whole lease: after a Redis
    /// restart the set is empty until every node has announced itself again.
    private var seenGateways: [String: ContinuousClock.Instant?] = [:]

    /// The live gateways, read on every heartbeat at `now`.
    func gatewaysAlive(_ live: Set<String>, now: ContinuousClock.Instant = .now) {
        var dead: [String] = []
        for gateway in live { seenGateways[gateway] = .some(nil) }
        for (gateway, missingSince) in seenGateways where !live.contains(gateway) {
            if let since = missingSince {
                if now - since >= config.leaseTTL { dead.append(gateway) }
            } else {
                seenGateways[gateway] = .some(now)
            }
        }
        for gateway in dead { seenGateways[gateway] = nil }
        guard !dead.isEmpty else { return }
        logger.info("gateways gone: dropping their members", metadata: ["gateways": "\(dead.sorted())"])
        for roomID in Array(rooms.keys) {
            var gone: [(userID: Int64, username: String)] = []
            rooms[roomID]?.updateRoom { room in
                for gateway in dead { gone += room.dropGateway(gateway) }
            }
            for user in gone { presenceChanged(roomID, .leave, userID: user.userID, username: user.username) }
        }
    }

    /// Planned shutdown: refuse new work (`unavailable`, clients retry on the new owner), let the
    /// pending batch commit, and answer whatever waited for a room that was still loading.
    func beginDrain() {
        draining = true
        for (roomID, slot) in rooms {
            switch slot {
            case .loading(let queue, _):
                rooms[roomID] = nil
                failQueue(queue, code: .unavailable, message: "worker is shutting down, retry")
            case .ready(var room):
                room.releasing = true
                rooms[roomID] = .ready(room)
            }
        }
    }

    // MARK: Session and ring

    /// A new session is open (at start, or after the old one expired): nothing is owned yet.
    func sessionStarted(_ session: Int64) {
        self.session = session
    }

    /// The session expired: every room may already belong to someone else. Forget them all.
    func sessionLost() {
        logger.warning("session expired: dropping every room", metadata: ["rooms": "\(rooms.count)"])
        session = nil
        failAllPending(code: .unavailable, message: "room owner changed, retry")
        for case .loading(let queue, _) in rooms.values {
            failQueue(queue, code: .unavailable, message: "room owner changed, retry")
        }
        rooms.removeAll()
    }

    /// The ring changed: rooms that now belong elsewhere are handed over once their pending
    /// messages are committed.
    func ringChanged(_ ring: HashRing) {
        self.ring = ring
        var releaseNow: [Int64] = []
        for (roomID, slot) in rooms {
            guard case .ready(var room) = slot, ring.owner(of: roomID) != nodeID, !room.releasing else { continue }
            room.releasing = true
            rooms[roomID] = .ready(room)
            let busy = pending.contains { $0.message.roomID == roomID } || inFlight.contains { $0.message.roomID == roomID }
            if !busy { releaseNow.append(roomID) }
        }
        if !releaseNow.isEmpty { jobs.yield(.release(releaseNow)) }
    }

    /// Rooms were released in Postgres: forget them.
    func released(_ roomIDs: [Int64]) {
        for roomID in roomIDs {
            if case .ready(let room)? = rooms[roomID], room.releasing { rooms[roomID] = nil }
        }
    }

    // MARK: Requests

    func receive(_ request: RoomRequest) {
        guard session != nil, !draining else {
            return reply(request, .failed(code: .unavailable, message: draining ? "worker is shutting down, retry" : "worker is starting, retry"))
        }
        switch rooms[request.roomID] {
        case nil:
            if case .close = request.kind { return reply(request, .done) }
            guard ring.owner(of: request.roomID) == nodeID else {
                return reply(request, .failed(code: .unavailable, message: "room is owned by another worker, retry"))
            }
            rooms[request.roomID] = .loading(queue: [request], previous: nil)
            jobs.yield(.load(roomID: request.roomID))
        case .loading(var queue, let previous)?:
            queue.append(request)
            rooms[request.roomID] = .loading(queue: queue, previous: previous)
        case .ready(var room)?:
            if room.releasing {
                return reply(request, .failed(code: .unavailable, message: "room is moving to another worker, retry"))
            }
            handle(request, in: &room)
            if rooms[request.roomID] != nil { rooms[request.roomID] = .ready(room) }
        }
    }

    private func handle(_ request: RoomRequest, in room: inout OwnedRoom) {
        switch request.kind {
        case .join(let sinceSeq):
            if room.join(userID: request.userID, username: request.username, gateway: request.gatewayID) {
                presenceChanged(room.roomID, .join, userID: request.userID, username: request.username)
            }
            let replay = sinceSeq.flatMap { room.replay(after: $0, limit: Self.maxReplay) }
            reply(request, .joined(lastSeq: room.lastSeq, replay: replay))
        case .rejoin(let connections):
            if room.setConnections(userID: request.userID, username: request.username, gateway: request.gatewayID, count: Int(connections)) {
                redis.write([["HSET", .string(names.roomMembers(room.roomID)), .string(String(request.userID)), .string(request.username)]])
            }
            reply(request, .done)
        case .leave:
            if room.leave(userID: request.userID, gateway: request.gatewayID) {
                presenceChanged(room.roomID, .leave, userID: request.userID, username: request.username)
            }
            reply(request, .done)
        case .typing:
            let frame = ServerFrame.typing(roomID: room.roomID, userID: request.userID, username: request.username)
            publish(room: room.roomID, .typing(userID: request.userID, frame: frame))
        case .close:
            rooms[room.roomID] = nil
            failPending(ofRoom: room.roomID, code: .roomNotFound, message: "room was deleted")
            redis.write([["DEL", .string(names.roomMembers(room.roomID))]])
            reply(request, .done)
        case .send(let content, let clientMessageID):
            let key = clientMessageID.map { IdempotencyKey(userID: request.userID, clientMessageID: $0) }
            if let key, let seq = room.storedSeq(for: key) {
                return reply(request, .acked(seq: seq))
            }
            if let key {
                let roomKey = RoomKey(roomID: room.roomID, key: key)
                if let index = inFlightIndex[roomKey] {
                    inFlight[index].replyTo.append((request.gatewayID, request.requestID))
                    return
                }
                if let index = pendingIndex[roomKey] {
                    pending[index].replyTo.append((request.gatewayID, request.requestID))
                    return
                }
            }
            let message = ChatMessage(
                roomID: room.roomID, seq: 0, userID: request.userID, username: request.username, content: content,
                clientMessageID: clientMessageID, sentAt: Int64(Date().timeIntervalSince1970 * 1000)
            )
            let send = PendingSend(message: message, replyTo: [(request.gatewayID, request.requestID)])
            if let roomKey = send.roomKey { pendingIndex[roomKey] = pending.count }
            pending.append(send)
            if !commitInFlight {
                commitInFlight = true
                jobs.yield(.commit)
            }
        }
    }

    private func presenceChanged(_ roomID: Int64, _ event: ServerFrame.PresenceEvent, userID: Int64, username: String) {
        let frame = ServerFrame.presence(roomID: roomID, event: event, userID: userID, username: username)
        let key = names.roomMembers(roomID)
        let update: [RedisArgument] = event == .join
            ? ["HSET", .string(key), .string(String(userID)), .string(username)]
            : ["HDEL", .string(key), .string(String(userID))]
        let event = ClusterMessage.event(roomID: roomID, .presence(userID: userID, frame: frame))
        redis.write([update, ["PUBLISH", .string(names.room(roomID)), .bytes(event.encoded())]])
    }

    // MARK: Loading

    /// The room is ours, with these committed messages (tail) and idempotency keys.
    func loaded(roomID: Int64, lastSeq: Int64, tail: [ChatMessage], keys: [(IdempotencyKey, Int64)]) {
        guard case .loading(let queue, let previous)? = rooms[roomID] else { return }
        var room = OwnedRoom(roomID: roomID, lastSeq: lastSeq, tailCapacity: config.tailSize, windowCapacity: config.idempotencyWindow)
        for message in tail { room.committed(message, frame: ServerFrame.message(message)) }
        for (key, seq) in keys { room.remember(key, seq: seq) }
        if ring.owner(of: roomID) != nodeID {
            // The ring moved the room on while it loaded (`ringChanged` passes loading rooms by).
            // Keeping it would strand it: every request goes to the new owner, which cannot take
            // a room this live session holds, until the next ring change. Hand it over at once.
            room.releasing = true
            rooms[roomID] = .ready(room)
            jobs.yield(.release([roomID]))
            failQueue(queue, code: .unavailable, message: "room is moving to another worker, retry")
            return
        }
        if let previous {
            room.adoptPresence(from: previous)
        } else {
            // A fresh owner starts with nobody joined; gateways re-join their members.
            redis.write([["DEL", .string(names.roomMembers(roomID))]])
        }
        logger.debug("room acquired", metadata: ["room": "\(roomID)", "last_seq": "\(lastSeq)"])
        rooms[roomID] = .ready(room)
        for request in queue { receive(request) }
    }

    /// The room could not be taken: answer everything that waited for it.
    func loadFailed(roomID: Int64, code: ErrorCode, message: String) {
        guard case .loading(let queue, _)? = rooms[roomID] else { return }
        rooms[roomID] = nil
        failQueue(queue, code: code, message: message)
    }

    // MARK: Group commit

    /// Everything that arrived while the previous commit ran (up to `maxBatch`), with seqs assigned;
    /// `nil` when there is nothing to commit.
    func takeBatch() -> Batch? {
        var commands: [[RedisArgument]] = []
        while inFlight.isEmpty && !pending.isEmpty {
            let count = min(pending.count, config.maxBatch)
            var next: [Int64: Int64] = [:]
            var previous: [Int64: Int64] = [:]
            for var send in pending.prefix(count) {
                guard case .ready(let room)? = rooms[send.message.roomID] else {
                    // The room was dropped since the send arrived.
                    for target in send.replyTo {
                        commands.append(replyCommand(target, .failed(code: .unavailable, message: "room owner changed, retry")))
                    }
                    continue
                }
                if previous[room.roomID] == nil { previous[room.roomID] = room.lastSeq }
                let seq = (next[room.roomID] ?? room.lastSeq) + 1
                next[room.roomID] = seq
                send.message.seq = seq
                if let key = send.roomKey { inFlightIndex[key] = inFlight.count }
                inFlight.append(send)
            }
            pending.removeFirst(count)
            reindexPending()
            if !inFlight.isEmpty {
                if !commands.isEmpty { redis.write(commands) }
                return Batch(messages: inFlight.map(\.message), previous: previous)
            }
        }
        if !commands.isEmpty { redis.write(commands) }
        commitInFlight = false
        releaseFinishedRooms()
        return nil
    }

    /// Applies the outcome of committing the running batch; `prepared` holds its frames and events
    /// (encoded during the commit), in batch order.
    func finishCommit(_ result: Result<WorkerStore.CommitResult, any Error>, prepared: BatchPublications) {
        let done = inFlight
        inFlight.removeAll(keepingCapacity: true)
        inFlightIndex.removeAll(keepingCapacity: true)
        var retry: [PendingSend] = []
        var commands: [[RedisArgument]] = []

        switch result {
        case .success(.committed):
            // Each message's ack(s), then its event, as before; all in one write.
            var out = ByteBufferAllocator().buffer(capacity: prepared.events.readableBytes + done.count * 64)
            var payload = ByteBufferAllocator().buffer(capacity: 32)
            var count = 0
            for (index, send) in done.enumerated() {
                let message = send.message
                rooms[message.roomID]?.updateRoom { $0.committed(message, frame: prepared.frames[index]) }
                for target in send.replyTo {
                    payload.clear()
                    ClusterMessage.reply(RoomReply(requestID: target.requestID, result: .acked(seq: message.seq))).encode(into: &payload)
                    RESPWriter.writePublish(channel: gatewayChannel(target.gatewayID), payload: payload, into: &out)
                    count += 1
                }
                out.writeImmutableBuffer(prepared.event(index))
                count += 1
            }
            redis.write(formatted: out, commandCount: count)
        case .success(.fenced(let lost)):
            logger.warning("commit fenced: rooms lost or closed", metadata: ["rooms": "\(lost.sorted())"])
            for send in done {
                if lost.contains(send.message.roomID) {
                    for target in send.replyTo {
                        commands.append(replyCommand(target, .failed(code: .unavailable, message: "room owner changed, retry")))
                    }
                } else {
                    retry.append(send)
                }
            }
            for roomID in lost { rooms[roomID] = nil }
        case .success(.duplicates(let stored)):
            for send in done {
                if let key = send.roomKey, let seq = stored[key] {
                    rooms[key.roomID]?.updateRoom { $0.remember(key.key, seq: seq) }
                    for target in send.replyTo { commands.append(replyCommand(target, .acked(seq: seq))) }
                } else {
                    retry.append(send)
                }
            }
        case .failure(let error):
            logger.error("commit failed", metadata: ["error": "\(String(reflecting: error))", "messages": "\(done.count)"])
            for send in done {
                for target in send.replyTo {
                    commands.append(replyCommand(target, .failed(code: .unavailable, message: "storage unavailable, retry")))
                }
                // Whether the commit happened is unknown: reload the room's seq and keys before the next send.
                if case .ready(let room)? = rooms[send.message.roomID] {
                    rooms[send.message.roomID] = .loading(queue: [], previous: room)
                    jobs.yield(.load(roomID: room.roomID))
                }
            }
        }
        pending.insert(contentsOf: retry, at: 0)
        reindexPending()
        if !commands.isEmpty { redis.write(commands) }
    }

    private func reindexPending() {
        pendingIndex.removeAll(keepingCapacity: true)
        for (index, send) in pending.enumerated() {
            if let key = send.roomKey { pendingIndex[key] = index }
        }
    }

    private func releaseFinishedRooms() {
        var release: [Int64] = []
        for (roomID, slot) in rooms {
            if case .ready(let room) = slot, room.releasing { release.append(roomID) }
        }
        if !release.isEmpty { jobs.yield(.release(release)) }
    }

    // MARK: Replies

    /// Reply channel names by gateway id (one string per gateway, not one per reply).
    private var gatewayChannels: [String: String] = [:]

    private func gatewayChannel(_ gatewayID: String) -> String {
        if let name = gatewayChannels[gatewayID] { return name }
        let name = names.gateway(gatewayID)
        if gatewayChannels.count >= 4_096 { gatewayChannels.removeAll() }
        gatewayChannels[gatewayID] = name
        return name
    }

    private func replyCommand(_ target: (gatewayID: String, requestID: UInt64), _ result: RoomReply.Result) -> [RedisArgument] {
        let message = ClusterMessage.reply(RoomReply(requestID: target.requestID, result: result))
        return ["PUBLISH", .string(names.gateway(target.gatewayID)), .bytes(message.encoded())]
    }

    private func reply(_ request: RoomRequest, _ result: RoomReply.Result) {
        redis.write([replyCommand((request.gatewayID, request.requestID), result)])
    }

    private func publish(room roomID: Int64, _ event: RoomEvent) {
        let message = ClusterMessage.event(roomID: roomID, event)
        redis.write([["PUBLISH", .string(names.room(roomID)), .bytes(message.encoded())]])
    }

    private func failQueue(_ queue: [RoomRequest], code: ErrorCode, message: String) {
        let commands = queue.compactMap { request -> [RedisArgument]? in
            if case .typing = request.kind { return nil }
            return replyCommand((request.gatewayID, request.requestID), .failed(code: code, message: message))
        }
        if !commands.isEmpty { redis.write(commands) }
    }

    /// Answers the waiting (not yet running) sends of a room; running ones are answered when their batch ends.
    private func failPending(ofRoom roomID: Int64, code: ErrorCode, message: String) {
        var commands: [[RedisArgument]] = []
        pending.removeAll { send in
            guard send.message.roomID == roomID else { return false }
            for target in send.replyTo { commands.append(replyCommand(target, .failed(code: code, message: message))) }
            return true
        }
        reindexPending()
        if !commands.isEmpty { redis.write(commands) }
    }

    /// Answers every waiting send; the running batch answers its own.
    private func failAllPending(code: ErrorCode, message: String) {
        let commands = pending.flatMap { send in
            send.replyTo.map { replyCommand($0, .failed(code: code, message: message)) }
        }
        pending.removeAll()
        pendingIndex.removeAll()
        if !commands.isEmpty { redis.write(commands) }
    }
}

extension WorkerCore.Slot {
    /// Changes a ready room in place. The slot's own reference is dropped while `body` runs, so the
    /// room's tail and idempotency window stay uniquely referenced and are not copied (copy-on-write)
    /// when `body` changes them: `rooms[id]?.updateRoom { ... }` costs O(1), not O(tail + window).
    mutating func updateRoom(_ body: (inout OwnedRoom) -> Void) {
        guard case .ready(var room) = self else { return }
        self = .loading(queue: [], previous: nil)
        body(&room)
        self = .ready(room)
    }
}
