import ClusterKit
import NIOCore

/// Which rooms this worker owns and what each one holds, as a pure state machine: the session,
/// the ring, loading and releasing rooms, presence, idle eviction and the memory budget. Sends go
/// on to its `GroupCommitStateMachine`; everything else is answered here.
///
/// Every method takes the time (`now`: monotonic, the executor's clock reading since it started,
/// a plain `Duration` so that the machine is not generic) and returns the actions to carry out,
/// in order; nothing here does I/O or reads a clock. A room's life:
///
/// ```
///   (absent) ──request──▶ loading ──roomLoaded──▶ ready ──ring moved / idle──▶ releasing ──released──▶ (absent)
///                            │                      │
///                     roomLoadFailed          fenced, session lost
///                            ▼                      ▼
///                        (absent)               (absent)
/// ```
struct RoomOwnershipStateMachine {
    enum Slot {
        /// Being acquired and loaded; requests wait here in order. `previous` keeps presence
        /// across a reload.
        case loading(queue: [RoomRequest], previous: OwnedRoom?)
        case ready(OwnedRoom)
    }

    let settings: WorkerSettings
    private(set) var session: Int64?
    private(set) var ring = HashRing(nodes: [])
    /// Set while the worker shuts down: nothing new is taken, everything owned is handed over.
    private(set) var draining = false
    private(set) var rooms: [Int64: Slot] = [:]
    private(set) var commits: GroupCommitStateMachine
    /// What the ready rooms hold in memory (the sum of their `heldBytes`).
    private(set) var heldBytes = 0
    private var lastUsed: [Int64: Duration] = [:]
    /// Requests for rooms this worker still owns but is releasing because they were idle: served
    /// (the room loaded again) once the release is done.
    private var heldForRelease: [Int64: [RoomRequest]] = [:]
    /// Re-reads of private rooms' participants after `access` requests.
    private var accessRefreshes = AccessRefreshes()
    /// Gateways seen alive, and since when each one is missing from the live set.
    private var seenGateways: [String: Duration?] = [:]

    init(settings: WorkerSettings) {
        self.settings = settings
        self.commits = GroupCommitStateMachine(maxBatch: settings.maxBatch, retryFor: settings.commitRetry)
    }

    /// `true` when no send waits or runs.
    var isIdle: Bool { commits.isIdle }

    /// Every room this worker holds in Postgres (for the final release).
    var ownedRoomIDs: [Int64] { Array(rooms.keys) }

    /// Rooms this worker serves: loaded, and not being handed over.
    var servedRoomCount: Int {
        rooms.values.reduce(0) { count, slot in
            guard case .ready(let room) = slot, !room.releasing else { return count }
            return count + 1
        }
    }

    // MARK: Session and ring

    /// A new session is open (at start, or after the old one expired): nothing is owned yet.
    mutating func sessionStarted(_ session: Int64) {
        self.session = session
    }

    /// The session expired: every room may already belong to someone else. Forget them all.
    mutating func sessionLost() -> [WorkerAction] {
        var actions: [WorkerAction] = []
        session = nil
        fail(commits.removeAllPending(), .unavailable, "room owner changed, retry", into: &actions)
        for case .loading(let queue, _) in rooms.values {
            refuse(queue, .unavailable, "room owner changed, retry", into: &actions)
        }
        for queue in heldForRelease.values { refuse(queue, .unavailable, "room owner changed, retry", into: &actions) }
        refuse(accessRefreshes.cancelAll(), into: &actions)
        rooms.removeAll()
        lastUsed.removeAll()
        heldForRelease.removeAll()
        heldBytes = 0
        return actions
    }

    /// The ring changed: rooms that now belong elsewhere are handed over once their waiting and
    /// running sends are committed.
    mutating func ringChanged(_ ring: HashRing) -> [WorkerAction] {
        self.ring = ring
        var releaseNow: [Int64] = []
        for roomID in rooms.keys.sorted() where ring.owner(of: roomID) != settings.nodeID {
            guard isReady(roomID, releasing: false) else { continue }
            update(roomID) { $0.releasing = true }
            if !commits.hasWork(inRoom: roomID) { releaseNow.append(roomID) }
        }
        return releaseNow.isEmpty ? [] : [.release(releaseNow.sorted())]
    }

    /// Rooms were released in Postgres: forget them. Requests held for a room released because it
    /// was idle load it again.
    mutating func released(_ roomIDs: [Int64]) -> [WorkerAction] {
        var actions: [WorkerAction] = []
        for roomID in roomIDs {
            if case .ready(let room)? = rooms[roomID], room.releasing { setSlot(roomID, nil) }
            guard let held = heldForRelease.removeValue(forKey: roomID) else { continue }
            if rooms[roomID] == nil, session != nil, !draining, ring.owner(of: roomID) == settings.nodeID {
                rooms[roomID] = .loading(queue: held, previous: nil)
                actions.append(.load(roomID: roomID))
            } else {
                refuse(held, .unavailable, "room is moving to another worker, retry", into: &actions)
            }
        }
        return actions
    }

    /// Releasing these rooms failed: a room that is still ours is kept, and what waited for it is served.
    mutating func releaseFailed(_ roomIDs: [Int64], now: Duration, wallMillis: Int64) -> [WorkerAction] {
        var actions: [WorkerAction] = []
        for roomID in roomIDs {
            guard case .ready(let room)? = rooms[roomID], room.releasing, !draining,
                ring.owner(of: roomID) == settings.nodeID
            else { continue }
            update(roomID) { $0.releasing = false }
            for request in heldForRelease.removeValue(forKey: roomID) ?? [] {
                receive(request, now: now, wallMillis: wallMillis, into: &actions)
            }
        }
        return actions
    }

    /// Planned shutdown: refuse new work (`unavailable`, clients retry on the new owner), let the
    /// waiting sends commit, and answer whatever waited for a room that was still loading.
    mutating func beginDrain() -> [WorkerAction] {
        var actions: [WorkerAction] = []
        draining = true
        for roomID in Array(rooms.keys) {
            switch rooms[roomID] {
            case .loading(let queue, _)?:
                setSlot(roomID, nil)
                refuse(queue, .unavailable, "worker is shutting down, retry", into: &actions)
            case .ready?:
                update(roomID) { $0.releasing = true }
            case nil:
                break
            }
        }
        for queue in heldForRelease.values { refuse(queue, .unavailable, "worker is shutting down, retry", into: &actions) }
        heldForRelease.removeAll()
        return actions
    }

    /// The live gateways, read on every heartbeat. A gateway missing for a whole lease has died
    /// (a drained one sends `leave` for its sockets first): its members leave every room. After a
    /// Redis restart the set is empty until every node has announced itself again, hence the lease.
    mutating func gatewaysAlive(_ live: Set<String>, now: Duration) -> [WorkerAction] {
        var dead: [String] = []
        for gateway in live { seenGateways[gateway] = .some(nil) }
        for (gateway, missingSince) in seenGateways where !live.contains(gateway) {
            if let since = missingSince {
                if (now - since) >= settings.leaseTTL { dead.append(gateway) }
            } else {
                seenGateways[gateway] = .some(now)
            }
        }
        for gateway in dead { seenGateways[gateway] = nil }
        guard !dead.isEmpty else { return [] }
        var actions: [WorkerAction] = []
        for roomID in rooms.keys.sorted() {
            var gone: [(userID: Int64, username: String)] = []
            update(roomID) { room in
                for gateway in dead.sorted() { gone += room.dropGateway(gateway) }
            }
            for user in gone {
                actions.append(.presence(roomID: roomID, event: .leave, userID: user.userID, username: user.username))
            }
        }
        return actions
    }

    // MARK: Loading

    /// The room is ours, with these committed messages (its tail) and idempotency keys, and, for a
    /// private room, these participants (read after the room was acquired, so a change stored
    /// before is in them and one stored after comes as an `access` request).
    mutating func roomLoaded(
        _ roomID: Int64, lastSeq: Int64, tail: [ChatMessage], keys: [(IdempotencyKey, Int64)], participants: Set<Int64>? = nil,
        now: Duration, wallMillis: Int64
    ) -> [WorkerAction] {
        guard case .loading(let queue, let previous)? = rooms[roomID] else { return [] }
        var actions: [WorkerAction] = []
        // Reads of an earlier load's participants no longer count: this load read them afresh.
        refuse(accessRefreshes.cancel(roomID), into: &actions)
        var room = OwnedRoom(
            roomID: roomID, lastSeq: lastSeq, tailCapacity: settings.tailSize, windowCapacity: settings.idempotencyWindow,
            participants: participants
        )
        for message in tail { room.committed(message, frame: ServerFrame.message(message)) }
        for (key, seq) in keys { room.remember(key, seq: seq) }
        if ring.owner(of: roomID) != settings.nodeID || draining {
            // The ring moved the room on while it loaded (`ringChanged` passes loading rooms by).
            // Keeping it would strand it: every request goes to the new owner, which cannot take
            // a room this live session holds, until the next ring change. Hand it over at once.
            room.releasing = true
            room.shed()
            setSlot(roomID, .ready(room))
            refuse(queue, .unavailable, "room is moving to another worker, retry", into: &actions)
            actions.append(.release([roomID]))
            return actions
        }
        if let previous {
            room.adoptPresence(from: previous)
        } else {
            actions.append(.clearMembers(roomID: roomID))
        }
        setSlot(roomID, .ready(room))
        lastUsed[roomID] = now
        for request in queue { receive(request, now: now, wallMillis: wallMillis, into: &actions) }
        enforceBudget(now: now, into: &actions)
        return actions
    }

    /// The room could not be taken: answer everything that waited for it.
    mutating func roomLoadFailed(_ roomID: Int64, code: ErrorCode, message: String) -> [WorkerAction] {
        guard case .loading(let queue, _)? = rooms[roomID] else { return [] }
        var actions: [WorkerAction] = []
        setSlot(roomID, nil)
        refuse(queue, code, message, into: &actions)
        return actions
    }

    // MARK: Requests

    /// A gateway's request, in Redis order. `wallMillis` is the wall-clock time a new message is stamped with.
    mutating func requestReceived(_ request: RoomRequest, now: Duration, wallMillis: Int64) -> [WorkerAction] {
        var actions: [WorkerAction] = []
        receive(request, now: now, wallMillis: wallMillis, into: &actions)
        return actions
    }

    private mutating func receive(_ request: RoomRequest, now: Duration, wallMillis: Int64, into actions: inout [WorkerAction]) {
        guard session != nil, !draining else {
            let reason = draining ? "worker is shutting down, retry" : "worker is starting, retry"
            return refuse([request], .unavailable, reason, into: &actions)
        }
        let roomID = request.roomID
        switch rooms[roomID] {
        case nil:
            if case .close = request.kind { return actions.append(.reply(request.replyTarget, .done)) }
            guard ring.owner(of: roomID) == settings.nodeID else {
                return refuse([request], .unavailable, "room is owned by another worker, retry", into: &actions)
            }
            rooms[roomID] = .loading(queue: [request], previous: nil)
            actions.append(.load(roomID: roomID))
        case .loading(var queue, let previous)?:
            guard queue.count < settings.maxQueuedPerRoom else {
                return refuse([request], .unavailable, "room is loading, retry", into: &actions)
            }
            rooms[roomID] = .loading(queue: [], previous: nil)
            queue.append(request)
            rooms[roomID] = .loading(queue: queue, previous: previous)
        case .ready?:
            if isReady(roomID, releasing: true) {
                if !draining, ring.owner(of: roomID) == settings.nodeID, heldForRelease[roomID, default: []].count < settings.maxQueuedPerRoom {
                    // Released because it was idle, and still ours: it is loaded again once released.
                    heldForRelease[roomID, default: []].append(request)
                    return
                }
                return refuse([request], .unavailable, "room is moving to another worker, retry", into: &actions)
            }
            lastUsed[roomID] = now
            handle(request, now: now, wallMillis: wallMillis, into: &actions)
        }
    }

    private mutating func handle(_ request: RoomRequest, now: Duration, wallMillis: Int64, into actions: inout [WorkerAction]) {
        let roomID = request.roomID
        let target = request.replyTarget
        if !admits(roomID, request.userID) {
            // A private room the user does not take part in: to them it does not exist. (Even
            // when a gateway let the request through on stale knowledge.)
            switch request.kind {
            case .join, .rejoin, .send:
                return actions.append(.reply(target, .failed(code: .roomNotFound, message: "room not found")))
            case .typing:
                return
            case .leave, .close, .access:
                break
            }
        }
        switch request.kind {
        case .access(let userID):
            guard isPrivate(roomID) else {
                return actions.append(.reply(target, .done))  // a public room has no participants
            }
            if let token = accessRefreshes.requested(roomID, .init(target: target, userID: userID)) {
                actions.append(.loadParticipants(roomID: roomID, token: token))
            }
        case .join(let sinceSeq):
            var first = false
            var result = RoomReply.Result.done
            let maxReplay = settings.maxReplay
            update(roomID) { room in
                first = room.join(userID: request.userID, username: request.username, gateway: request.gatewayID)
                let replay = sinceSeq.flatMap { room.replay(after: $0, limit: maxReplay) }
                result = .joined(lastSeq: room.lastSeq, replay: replay)
            }
            if first { actions.append(.presence(roomID: roomID, event: .join, userID: request.userID, username: request.username)) }
            actions.append(.reply(target, result))
        case .rejoin(let connections):
            let count = Int(clamping: max(0, connections))
            var added = false
            update(roomID) { added = $0.setConnections(userID: request.userID, username: request.username, gateway: request.gatewayID, count: count) }
            if added { actions.append(.setMember(roomID: roomID, userID: request.userID, username: request.username)) }
            actions.append(.reply(target, .done))
        case .leave:
            var last = false
            update(roomID) { last = $0.leave(userID: request.userID, gateway: request.gatewayID) }
            if last { actions.append(.presence(roomID: roomID, event: .leave, userID: request.userID, username: request.username)) }
            actions.append(.reply(target, .done))
        case .typing:
            actions.append(.typing(roomID: roomID, userID: request.userID, username: request.username))
        case .close:
            refuse(accessRefreshes.cancel(roomID), into: &actions)
            setSlot(roomID, nil)
            fail(commits.removePending(ofRoom: roomID), .roomNotFound, "room was deleted", into: &actions)
            actions.append(.clearMembers(roomID: roomID))
            actions.append(.reply(target, .done))
        case .send(let content, let clientMessageID):
            if let violation = MessageLimits.violation(content: content, clientMessageID: clientMessageID) {
                return actions.append(.reply(target, .failed(code: violation.code, message: violation.message)))
            }
            let key = clientMessageID.map { IdempotencyKey(userID: request.userID, clientMessageID: $0) }
            if let key {
                if let seq = storedSeq(roomID, key) { return actions.append(.reply(target, .acked(seq: seq))) }
                if commits.attach(RoomKey(roomID: roomID, key: key), target) { return }
            }
            let message = ChatMessage(
                roomID: roomID, seq: 0, userID: request.userID, username: request.username, content: content,
                clientMessageID: clientMessageID, sentAt: wallMillis
            )
            commits.enqueue(PendingSend(message: message, replyTo: [target]))
            if !commits.isRunning { startCommit(now: now, into: &actions) }
        }
    }

    // MARK: Access

    /// Read `token` of a private room's participants ended with `participants`. Users no longer
    /// in the set lose their presence (`presence` leave to the others) and their connections get
    /// `removed` on every gateway, and so does each waiting change's user that is not in it (its
    /// connections may still be joined on a gateway from an earlier owner's time); then the
    /// waiting changes are answered.
    mutating func participantsLoaded(_ roomID: Int64, token: UInt64, _ participants: Set<Int64>) -> [WorkerAction] {
        guard let (waiters, next) = accessRefreshes.finished(roomID, token: token) else { return [] }
        var actions: [WorkerAction] = []
        guard isPrivate(roomID) else {
            refuse(waiters + accessRefreshes.cancel(roomID), into: &actions)
            return actions
        }
        var gone: [Int64] = []
        var present: [(userID: Int64, username: String)] = []
        update(roomID) { (gone, present) = $0.replaceParticipants(participants) }
        for user in present {
            actions.append(.presence(roomID: roomID, event: .leave, userID: user.userID, username: user.username))
        }
        let removed = Set(gone).union(waiters.map(\.userID).filter { !participants.contains($0) })
        for userID in removed.sorted() { actions.append(.removed(roomID: roomID, userID: userID)) }
        for waiter in waiters { actions.append(.reply(waiter.target, .done)) }
        if let next { actions.append(.loadParticipants(roomID: roomID, token: next)) }
        return actions
    }

    /// Read `token` failed: its waiters get `unavailable` (they retry); a read for changes that
    /// arrived meanwhile starts.
    mutating func participantsLoadFailed(_ roomID: Int64, token: UInt64) -> [WorkerAction] {
        guard let (waiters, next) = accessRefreshes.finished(roomID, token: token) else { return [] }
        var actions: [WorkerAction] = []
        refuse(waiters, into: &actions)
        if let next { actions.append(.loadParticipants(roomID: roomID, token: next)) }
        return actions
    }

    private func refuse(_ waiters: [AccessRefreshes.Waiter], into actions: inout [WorkerAction]) {
        for waiter in waiters {
            actions.append(.reply(waiter.target, .failed(code: .unavailable, message: "room owner changed, retry")))
        }
    }

    // MARK: Group commit outcomes

    /// The running batch is stored; `frames` are its messages' encoded `message` frames, in order.
    mutating func commitSucceeded(frames: [ByteBuffer], now: Duration) -> [WorkerAction] {
        guard let batch = commits.committed() else { return [] }
        for (index, send) in batch.sends.enumerated() {
            let frame = index < frames.count ? frames[index] : ServerFrame.message(send.message)
            update(send.message.roomID) { $0.committed(send.message, frame: frame) }
        }
        var actions: [WorkerAction] = [.publishCommitted(batch)]
        startCommit(now: now, into: &actions)
        return actions
    }

    /// The fence refused the batch: `lost` rooms are no longer ours (or closed).
    mutating func commitFenced(lost: Set<Int64>, now: Duration) -> [WorkerAction] {
        var actions: [WorkerAction] = []
        fail(commits.fenced(lost), .unavailable, "room owner changed, retry", into: &actions)
        for roomID in lost.sorted() {
            if case .ready? = rooms[roomID] { setSlot(roomID, nil) }
            if let held = heldForRelease.removeValue(forKey: roomID) {
                refuse(held, .unavailable, "room owner changed, retry", into: &actions)
            }
        }
        startCommit(now: now, into: &actions)
        return actions
    }

    /// Some sends of the batch resend stored messages: they are answered with the stored seqs.
    mutating func commitFoundDuplicates(_ stored: [RoomKey: Int64], now: Duration) -> [WorkerAction] {
        var actions: [WorkerAction] = []
        for (send, seq) in commits.foundDuplicates(stored) {
            if let key = send.roomKey { update(key.roomID) { $0.remember(key.key, seq: seq) } }
            for target in send.replyTo { actions.append(.reply(target, .acked(seq: seq))) }
        }
        startCommit(now: now, into: &actions)
        return actions
    }

    /// Postgres refused these messages (by batch position) on their own; the rest commit next.
    mutating func commitRejected(_ reasons: [Int: CommitRejection], now: Duration) -> [WorkerAction] {
        var actions: [WorkerAction] = []
        for (send, reason) in commits.rejected(reasons) {
            let result = RoomReply.Result.failed(code: .badRequest, message: "the message cannot be stored (SQLSTATE \(reason.sqlState))")
            for target in send.replyTo { actions.append(.reply(target, result)) }
        }
        startCommit(now: now, into: &actions)
        return actions
    }

    /// The attempt failed for a reason that concerns the connection or the transaction: retry the
    /// batch while there is time, else answer `unavailable` and reload its rooms (whether the
    /// commit happened is unknown). `jitter` (0...1) scales the retry delay.
    mutating func commitFailed(now: Duration, jitter: Double) -> [WorkerAction] {
        switch commits.failed(now: now, jitter: jitter) {
        case nil:
            return []
        case .retry(let delay)?:
            return [.retryCommit(after: delay)]
        case .giveUp(let batch)?:
            var actions: [WorkerAction] = []
            fail(batch.sends, .unavailable, "storage unavailable, retry", into: &actions)
            for roomID in Set(batch.sends.map(\.message.roomID)).sorted() {
                guard case .ready(let room)? = rooms[roomID] else { continue }
                setSlot(roomID, .loading(queue: [], previous: room))
                actions.append(.load(roomID: roomID))
            }
            startCommit(now: now, into: &actions)
            return actions
        }
    }

    /// The retry delay is over: write the same batch again.
    mutating func commitRetryDue() -> [WorkerAction] {
        commits.retryDue().map { [.commit($0)] } ?? []
    }

    private mutating func startCommit(now: Duration, into actions: inout [WorkerAction]) {
        let rooms = self.rooms
        let (batch, orphans) = commits.startBatch(now: now) { roomID in
            guard case .ready(let room)? = rooms[roomID] else { return nil }
            return room.lastSeq
        }
        fail(orphans, .unavailable, "room owner changed, retry", into: &actions)
        if let batch {
            actions.append(.commit(batch))
        } else if commits.isIdle {
            // Rooms waiting for their last sends before they are handed over can go now.
            let release = rooms.compactMap { roomID, slot -> Int64? in
                guard case .ready(let room) = slot, room.releasing else { return nil }
                return roomID
            }
            if !release.isEmpty { actions.append(.release(release.sorted())) }
        }
    }

    // MARK: Memory

    /// Called periodically: rooms unused for `roomIdleTimeout` give up their tail and key window,
    /// and those nobody is joined to are released; then the memory budget is enforced.
    mutating func tick(now: Duration) -> [WorkerAction] {
        var actions: [WorkerAction] = []
        var release: [Int64] = []
        for roomID in Array(rooms.keys) {
            guard case .ready(let room)? = rooms[roomID], !room.releasing,
                let used = lastUsed[roomID], (now - used) >= settings.roomIdleTimeout
            else { continue }
            if evict(roomID, room) { release.append(roomID) }
        }
        if !release.isEmpty { actions.append(.release(release.sorted())) }
        enforceBudget(now: now, into: &actions)
        return actions
    }

    /// Over `roomMemoryBudget`: the least recently used rooms shed or are released until they hold
    /// three quarters of it.
    private mutating func enforceBudget(now: Duration, into actions: inout [WorkerAction]) {
        guard heldBytes > settings.roomMemoryBudget else { return }
        let target = settings.roomMemoryBudget / 4 * 3
        let candidates = rooms.compactMap { roomID, slot -> (Int64, Duration)? in
            guard case .ready(let room) = slot, !room.releasing else { return nil }
            return (roomID, lastUsed[roomID] ?? now)
        }
        .sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        var release: [Int64] = []
        for (roomID, _) in candidates {
            guard heldBytes > target else { break }
            guard case .ready(let room)? = rooms[roomID] else { continue }
            if evict(roomID, room) { release.append(roomID) }
        }
        if !release.isEmpty { actions.append(.release(release.sorted())) }
    }

    /// Drops what an unused room holds; `true` if it is to be released (nobody joined, nothing to commit).
    private mutating func evict(_ roomID: Int64, _ room: OwnedRoom) -> Bool {
        let releasing = !room.hasPresence && !commits.hasWork(inRoom: roomID)
        guard releasing || room.canShed else { return false }
        update(roomID) { room in
            room.shed()
            if releasing { room.releasing = true }
        }
        return releasing
    }

    // MARK: Helpers

    /// `true` if the room is ready and its `releasing` flag is `releasing`. (Reads through a
    /// function so that no copy of the room outlives the check: a live copy would make the next
    /// change copy its tail and window.)
    private func isReady(_ roomID: Int64, releasing: Bool) -> Bool {
        guard case .ready(let room)? = rooms[roomID] else { return false }
        return room.releasing == releasing
    }

    /// `true` if the room is ready and private.
    private func isPrivate(_ roomID: Int64) -> Bool {
        guard case .ready(let room)? = rooms[roomID] else { return false }
        return room.participants != nil
    }

    private func admits(_ roomID: Int64, _ userID: Int64) -> Bool {
        guard case .ready(let room)? = rooms[roomID] else { return false }
        return room.admits(userID)
    }

    private func storedSeq(_ roomID: Int64, _ key: IdempotencyKey) -> Int64? {
        guard case .ready(let room)? = rooms[roomID] else { return nil }
        return room.storedSeq(for: key)
    }

    /// Changes a ready room in place. The slot's own reference is dropped while `body` runs, so
    /// the room's tail and key window stay uniquely referenced and are not copied.
    private mutating func update(_ roomID: Int64, _ body: (inout OwnedRoom) -> Void) {
        var delta = 0
        rooms[roomID]?.updateRoom { room in
            let before = room.heldBytes
            body(&room)
            delta = room.heldBytes - before
        }
        heldBytes += delta
    }

    /// Replaces a room's slot, keeping `heldBytes` and the usage times in step.
    private mutating func setSlot(_ roomID: Int64, _ slot: Slot?) {
        if case .ready(let old)? = rooms[roomID] { heldBytes -= old.heldBytes }
        if case .ready(let new)? = slot { heldBytes += new.heldBytes }
        rooms[roomID] = slot
        if slot == nil { lastUsed[roomID] = nil }
    }

    private func refuse(_ requests: [RoomRequest], _ code: ErrorCode, _ message: String, into actions: inout [WorkerAction]) {
        for request in requests {
            if case .typing = request.kind { continue }
            actions.append(.reply(request.replyTarget, .failed(code: code, message: message)))
        }
    }

    private func fail(_ sends: [PendingSend], _ code: ErrorCode, _ message: String, into actions: inout [WorkerAction]) {
        for send in sends {
            for target in send.replyTo { actions.append(.reply(target, .failed(code: code, message: message))) }
        }
    }
}

extension RoomOwnershipStateMachine.Slot {
    /// Changes a ready room in place (through the dictionary's in-place accessor). The slot's own
    /// reference is dropped while `body` runs, so the room's tail and key window stay uniquely
    /// referenced and are not copied when `body` changes them.
    mutating func updateRoom(_ body: (inout OwnedRoom) -> Void) {
        guard case .ready(var room) = self else { return }
        self = .loading(queue: [], previous: nil)
        body(&room)
        self = .ready(room)
    }
}

extension RoomRequest {
    /// Where the answer to this request goes.
    var replyTarget: ReplyTarget { ReplyTarget(gatewayID: gatewayID, requestID: requestID) }
}
