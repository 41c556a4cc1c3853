import ClusterKit
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// This gateway's side of every room that has a member here: the Redis subscription (reference
/// counted, confirmed before a join asks for `last_seq`), the room's ordered stream, and the local
/// members with their delivery cursors. An event from Redis is fanned out to local members as the
/// bytes the owner encoded: one encoding per room, not per recipient.
final class RoomHub: Service, Sendable {
    /// A user's connections in a room on this gateway, for re-joining a new owner.
    private struct Rejoin: Sendable {
        let roomID: Int64
        let identity: Identity
        let connections: Int64
    }

    private let subscriber: RedisSubscriber
    private let names: ChannelNames
    private let history: PostgresRoomStore
    private let logger: Logger
    /// Paces the re-join and gap-fill retries.
    private let clock: any Clock<Duration>
    private let rooms = Mutex<[Int64: HubRoom]>([:])
    private let fetches: AsyncStream<(roomID: Int64, range: ClosedRange<Int64>)>
    private let fetchSink: AsyncStream<(roomID: Int64, range: ClosedRange<Int64>)>.Continuation
    private let rejoins: AsyncStream<Rejoin>
    private let rejoinSink: AsyncStream<Rejoin>.Continuation
    private let workers: WorkerClient
    private let ring: RingWatcher

    /// Messages read from Postgres per gap-fill query.
    static let fetchPage = 500

    init(
        subscriber: RedisSubscriber, names: ChannelNames, history: PostgresRoomStore, workers: WorkerClient, ring: RingWatcher,
        clock: any Clock<Duration> = ContinuousClock(), logger: Logger
    ) {
        self.clock = clock
        self.subscriber = subscriber
        self.names = names
        self.workers = workers
        self.ring = ring
        (rejoins, rejoinSink) = AsyncStream.makeStream()
        self.history = history
        self.logger = logger
        (fetches, fetchSink) = AsyncStream.makeStream()
    }

    // MARK: Membership

    /// Registers `connection` as joining `roomID` and makes sure this gateway is subscribed to the
    /// room's channel (confirmed by Redis) before the caller asks the owner for `last_seq`.
    func beginJoin(_ roomID: Int64, _ connection: ClientConnection) async -> Bool {
        let first = rooms.withLock { rooms -> Bool in
            let room: HubRoom
            if let existing = rooms[roomID] {
                room = existing
            } else {
                room = HubRoom()
                rooms[roomID] = room
            }
            let first = room.isEmpty
            room.addJoining(connection)
            return first
        }
        if first {
            return await subscriber.subscribeAndWait(names.room(roomID))
        }
        // Another member's subscription may still be waiting for confirmation.
        return await subscriber.subscribeAndWait(names.room(roomID)).also { subscriber.unsubscribe(names.room(roomID)) }
    }

    /// The join completed at `lastSeq` (with `joined` and replay already queued to the client):
    /// hand over what was held after it, then deliver live.
    func completeJoin(_ roomID: Int64, _ connection: ClientConnection, lastSeq: Int64) {
        var fetch: ClosedRange<Int64>?
        rooms.withLock { rooms in
            guard let room = rooms[roomID], room.goLive(connection, lastSeq: lastSeq) else { return }
            if room.owner == nil { room.owner = ring.ring.owner(of: roomID) }
            if room.stream.delivered == nil {
                let action = room.stream.start(lastSeq: lastSeq)
                fetch = action.fetch
                room.deliver(action.deliver)
                room.settleAll()
            }
        }
        if let fetch { fetchSink.yield((roomID, fetch)) }
    }

    /// `connection` is no longer in `roomID`; the last local member unsubscribes the channel.
    func removeMember(_ roomID: Int64, _ connection: ClientConnection) {
        let last = rooms.withLock { rooms -> Bool in
            guard let room = rooms[roomID], room.remove(connection) else { return false }
            guard room.isEmpty else { return false }
            rooms[roomID] = nil
            return true
        }
        if last { subscriber.unsubscribe(names.room(roomID)) }
    }

    /// Local members of a room (tests and metrics).
    func memberCount(_ roomID: Int64) -> Int {
        rooms.withLock { $0[roomID]?.count ?? 0 }
    }

    // MARK: Events

    /// An event of `roomID` arrived from Redis (called on an event loop: never blocks).
    func handle(roomID: Int64, event: RoomEvent) {
        var fetch: ClosedRange<Int64>?
        var closedMembers: [ClientConnection] = []
        var removedMembers: [ClientConnection] = []
        var lastGone = false
        rooms.withLock { rooms in
            guard let room = rooms[roomID] else { return }
            switch event {
            case .message(let seq, let frame):
                let action = room.stream.received(seq: seq, frame: frame)
                fetch = action.fetch
                room.deliver(action.deliver)
            case .presence(let userID, let frame), .typing(let userID, let frame):
                room.broadcast(frame, except: userID)
            case .closed(let frame):
                closedMembers = room.close(with: frame)
                rooms[roomID] = nil
            case .updated(let frame):
                room.broadcast(frame, except: nil)
            case .updatedPrivate(let frames):
                room.broadcast(frames)
            case .removed(let userID, let frame):
                removedMembers = room.removeUser(userID, with: frame)
                if room.isEmpty {
                    rooms[roomID] = nil
                    lastGone = true
                }
            }
        }
        if let fetch { fetchSink.yield((roomID, fetch)) }
        if !closedMembers.isEmpty {
            for connection in closedMembers { connection.setMembership(.closed, of: roomID) }
            subscriber.unsubscribe(names.room(roomID))
        }
        // The owner already ended the user's presence: no `leave` goes to it.
        for connection in removedMembers { connection.setMembership(.removed, of: roomID) }
        if lastGone { subscriber.unsubscribe(names.room(roomID)) }
    }

    /// The room's owner refused a re-join of `userID` (the room is gone, or the user is no longer a
    /// participant): its connections here get `removed`, as if the owner had said so.
    func ownerRefused(_ roomID: Int64, userID: Int64) {
        handle(roomID: roomID, event: .removed(userID: userID, frame: ServerFrame.removed(roomID: roomID)))
    }

    /// The bus reconnected: messages may have been published while it was away. Every room reads
    /// what came after its last delivered seq.
    func catchUpAll() {
        let wanted = rooms.withLock { rooms -> [(Int64, ClosedRange<Int64>)] in
            var wanted: [(Int64, ClosedRange<Int64>)] = []
            for (roomID, room) in rooms {
                if let range = room.stream.catchUp().fetch { wanted.append((roomID, range)) }
            }
            return wanted
        }
        for (roomID, range) in wanted { fetchSink.yield((roomID, range)) }
    }

    /// The ring changed: rooms that moved are re-joined on their new owner with this gateway's
    /// members, so presence and the members list survive a worker change.
    func ringChanged(_ ring: HashRing) {
        let jobs = rooms.withLock { rooms -> [Rejoin] in
            var jobs: [Rejoin] = []
            for (roomID, room) in rooms {
                guard let owner = room.owner, let next = ring.owner(of: roomID), next != owner else { continue }
                room.owner = next
                jobs += room.liveConnectionsByUser().values.map { Rejoin(roomID: roomID, identity: $0.identity, connections: $0.connections) }
            }
            return jobs
        }
        for job in jobs { rejoinSink.yield(job) }
    }

    // MARK: Gap filling and re-joins

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await job in self.rejoins.cancelOnGracefulShutdown() {
                    await self.rejoin(job)
                }
            }
            for await (roomID, range) in fetches.cancelOnGracefulShutdown() {
                await fill(roomID, range)
            }
            group.cancelAll()
        }
    }

    /// Tells the room's current owner about a user's connections here; retries while the room is
    /// still being handed over (the old owner's lease has not expired yet).
    private func rejoin(_ job: Rejoin) async {
        for _ in 0..<30 {
            let result = try? await workers.submit(roomID: job.roomID, identity: job.identity, kind: .rejoin(connections: job.connections)).get()
            if case .failed(.roomNotFound, _)? = result { return ownerRefused(job.roomID, userID: job.identity.userID) }
            guard case .failed(let code, _)? = result, code == .unavailable else { return }
            try? await clock.sleep(for: .milliseconds(500))
            if Task.isCancelled { return }
        }
        logger.warning("re-join gave up", metadata: ["room": "\(job.roomID)", "user": "\(job.identity.userID)"])
    }

    private func fill(_ roomID: Int64, _ range: ClosedRange<Int64>) async {
        do {
            let before = range.upperBound == Int64.max ? nil : range.upperBound + 1
            let records = try await history.messages(roomID: roomID, afterSeq: range.lowerBound - 1, beforeSeq: before, limit: Self.fetchPage)
            let messages = records.map { (seq: $0.seq, frame: ServerFrame.message($0.chatMessage)) }
            var next: ClosedRange<Int64>?
            rooms.withLock { rooms in
                guard let room = rooms[roomID] else { return }
                var action = room.stream.fetched(messages)
                if action.fetch == nil, records.count == Self.fetchPage { action.fetch = room.stream.catchUp().fetch }
                next = action.fetch
                room.deliver(action.deliver)
            }
            if let next { fetchSink.yield((roomID, next)) }
        } catch {
            logger.warning("gap fill failed", metadata: ["room": "\(roomID)", "error": "\(error)"])
            rooms.withLock { rooms in rooms[roomID]?.stream.fetchFailed() }  // in place: a class
            try? await clock.sleep(for: .milliseconds(200))
            let retry = rooms.withLock { rooms in rooms[roomID]?.stream.catchUp().fetch }
            if let retry { fetchSink.yield((roomID, retry)) }
        }
    }
}

extension MessageRecord {
    var chatMessage: ChatMessage {
        ChatMessage(
            roomID: roomID, seq: seq, userID: userID, username: username, content: content,
            clientMessageID: clientMessageID, sentAt: Int64((sentAt.timeIntervalSince1970 * 1000).rounded(.down))
        )
    }
}

extension Bool {
    fileprivate func also(_ body: () -> Void) -> Bool {
        body()
        return self
    }
}
