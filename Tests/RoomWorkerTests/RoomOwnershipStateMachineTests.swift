import ClusterKit
import NIOCore
import Testing

@testable import RoomWorker

/// The worker's decisions, driven with a hand-moved clock: no Redis, no Postgres, no sleeps.
@Suite struct RoomOwnershipStateMachineTests {
    typealias Machine = RoomOwnershipStateMachine
    /// A hand-moved clock: the machine's time is a `Duration` since the executor started.
    let t0: Duration = .seconds(1_000)

    static func settings(idle: Duration = .seconds(300), budget: Int = 256 << 20, tail: Int = 10, window: Int = 10) -> WorkerSettings {
        WorkerSettings(
            nodeID: "w1", tailSize: tail, idempotencyWindow: window, maxBatch: 100, commitRetry: .seconds(3),
            leaseTTL: .seconds(3), roomIdleTimeout: idle, roomMemoryBudget: budget
        )
    }

    /// A machine with a session, alone on the ring.
    func machine(_ settings: WorkerSettings = Self.settings()) -> Machine {
        var machine = Machine(settings: settings)
        machine.sessionStarted(1)
        #expect(machine.ringChanged(HashRing(nodes: ["w1"])).isEmpty)
        return machine
    }

    func request(_ id: UInt64, room: Int64 = 7, user: Int64 = 1, gateway: String = "g", _ kind: RoomRequest.Kind) -> RoomRequest {
        RoomRequest(requestID: id, gatewayID: gateway, roomID: room, userID: user, username: "u\(user)", kind: kind)
    }

    func target(_ id: UInt64, gateway: String = "g") -> ReplyTarget { ReplyTarget(gatewayID: gateway, requestID: id) }

    func send(_ id: UInt64, room: Int64 = 7, user: Int64 = 1, _ clientID: String?, content: String = "hi") -> RoomRequest {
        request(id, room: room, user: user, .send(content: content, clientMessageID: clientID))
    }

    /// Loads room `room` (empty) and returns the actions of the requests that waited.
    func load(_ machine: inout Machine, room: Int64 = 7, lastSeq: Int64 = 0, now: Duration? = nil) -> [WorkerAction] {
        machine.roomLoaded(room, lastSeq: lastSeq, tail: [], keys: [], now: now ?? t0, wallMillis: 0)
    }

    func commits(_ actions: [WorkerAction]) -> [CommitBatch] {
        actions.compactMap { if case .commit(let batch) = $0 { batch } else { nil } }
    }

    // MARK: Loading and requests

    @Test func theFirstRequestLoadsTheRoom_andWaitsForIt() {
        var machine = machine()
        #expect(machine.requestReceived(request(1, .join(sinceSeq: nil)), now: t0, wallMillis: 0) == [.load(roomID: 7)])
        #expect(machine.requestReceived(request(2, .leave), now: t0, wallMillis: 0).isEmpty)
        let actions = load(&machine)
        #expect(actions == [
            .clearMembers(roomID: 7),
            .presence(roomID: 7, event: .join, userID: 1, username: "u1"),
            .reply(target(1), .joined(lastSeq: 0, replay: nil)),
            .presence(roomID: 7, event: .leave, userID: 1, username: "u1"),
            .reply(target(2), .done),
        ])
    }

    @Test func requestsAreRefused_withoutASession_orForARoomOfAnotherWorker() {
        var machine = Machine(settings: Self.settings())
        #expect(machine.requestReceived(request(1, .leave), now: t0, wallMillis: 0) == [.reply(target(1), .failed(code: .unavailable, message: "worker is starting, retry"))])
        machine.sessionStarted(1)
        _ = machine.ringChanged(HashRing(nodes: ["w2"]))
        #expect(machine.requestReceived(request(2, .leave), now: t0, wallMillis: 0) == [.reply(target(2), .failed(code: .unavailable, message: "room is owned by another worker, retry"))])
    }

    @Test func aRoomThatCannotBeLoaded_answersEverythingThatWaited() {
        var machine = machine()
        _ = machine.requestReceived(request(1, .join(sinceSeq: nil)), now: t0, wallMillis: 0)
        _ = machine.requestReceived(request(2, .typing), now: t0, wallMillis: 0)
        #expect(machine.roomLoadFailed(7, code: .roomNotFound, message: "room not found") == [.reply(target(1), .failed(code: .roomNotFound, message: "room not found"))])
        #expect(machine.rooms.isEmpty)
    }

    @Test func aJoinWithSinceSeq_isReplayedFromTheTail() {
        var machine = machine()
        _ = machine.requestReceived(request(1, .leave), now: t0, wallMillis: 0)
        let tail = (1...3).map { ChatMessage(roomID: 7, seq: $0, userID: 1, username: "u1", content: "m\($0)", clientMessageID: nil, sentAt: 0) }
        _ = machine.roomLoaded(7, lastSeq: 3, tail: tail, keys: [], now: t0, wallMillis: 0)
        let actions = machine.requestReceived(request(2, .join(sinceSeq: 1)), now: t0, wallMillis: 0)
        #expect(actions.last == .reply(target(2), .joined(lastSeq: 3, replay: tail.suffix(2).map(ServerFrame.message))))
    }

    // MARK: Sends and commits

    @Test func aSendIsCommitted_thenAckedAndPublished_andTheNextBatchStarts() {
        var machine = machine()
        _ = machine.requestReceived(send(1, "a"), now: t0, wallMillis: 0)
        let first = commits(load(&machine, lastSeq: 4))
        #expect(first.first?.sends.map(\.message.seq) == [5])
        _ = machine.requestReceived(send(2, "b"), now: t0, wallMillis: 0)
        _ = machine.requestReceived(send(3, "a"), now: t0, wallMillis: 0)  // a resend while "a" commits
        let done = machine.commitSucceeded(frames: [ByteBuffer(string: "f5")], now: t0)
        guard case .publishCommitted(let batch)? = done.first else {
            Issue.record("expected the committed batch first, got \(done)")
            return
        }
        #expect(batch.sends.map(\.replyTo) == [[target(1), target(3)]])
        #expect(commits(done).first?.sends.map(\.message.seq) == [6])
        // Later resends are answered from the window.
        _ = machine.commitSucceeded(frames: [ByteBuffer(string: "f6")], now: t0)
        #expect(machine.requestReceived(send(4, "a"), now: t0, wallMillis: 0) == [.reply(target(4), .acked(seq: 5))])
        #expect(machine.isIdle)
    }

    @Test func idsThatAreCanonicallyEquivalentButDifferentBytes_areTwoMessages() {
        var machine = machine()
        _ = machine.requestReceived(send(1, "caf\u{E9}"), now: t0, wallMillis: 0)
        _ = load(&machine)
        _ = machine.requestReceived(send(2, "cafe\u{301}"), now: t0, wallMillis: 0)
        _ = machine.commitSucceeded(frames: [], now: t0)
        let second = machine.commitSucceeded(frames: [], now: t0)
        guard case .publishCommitted(let batch)? = second.first else {
            Issue.record("the second id was not stored as its own message: \(second)")
            return
        }
        #expect(batch.sends.map(\.message.seq) == [2])
        #expect(machine.requestReceived(send(3, "caf\u{E9}"), now: t0, wallMillis: 0) == [.reply(target(3), .acked(seq: 1))])
        #expect(machine.requestReceived(send(4, "cafe\u{301}"), now: t0, wallMillis: 0) == [.reply(target(4), .acked(seq: 2))])
    }

    @Test func sendsOverTheContractsByteLimits_areRefusedBeforeTheyReachABatch() {
        var machine = machine()
        _ = machine.requestReceived(request(1, .leave), now: t0, wallMillis: 0)
        _ = load(&machine)
        let longID = "a" + String(repeating: "\u{301}", count: 1_400)  // one Character, 2,801 bytes
        #expect(machine.requestReceived(send(2, longID), now: t0, wallMillis: 0) == [.reply(target(2), .failed(code: .badRequest, message: "'client_msg_id' must be 1-64 bytes"))])
        #expect(machine.requestReceived(send(3, "k", content: "nul\u{0}"), now: t0, wallMillis: 0) == [.reply(target(3), .failed(code: .badRequest, message: "'content' must not contain NUL characters"))])
        #expect(machine.requestReceived(send(4, "k", content: String(repeating: "é", count: 2_049)), now: t0, wallMillis: 0) == [.reply(target(4), .failed(code: .tooLarge, message: "'content' is longer than 4096 bytes"))])
        #expect(machine.isIdle)
    }

    @Test func aMessagePostgresRefuses_failsAlone_andTheRestOfTheBatchCommits() {
        var machine = machine()
        _ = machine.requestReceived(send(1, "a"), now: t0, wallMillis: 0)
        _ = load(&machine)
        _ = machine.requestReceived(send(2, "b", content: "x"), now: t0, wallMillis: 0)
        _ = machine.requestReceived(send(3, "c", content: "y"), now: t0, wallMillis: 0)
        _ = machine.commitSucceeded(frames: [], now: t0)  // "a" is 1; "b" and "c" go together
        let actions = machine.commitRejected([0: CommitRejection(sqlState: "22021")], now: t0)
        #expect(actions.first == .reply(target(2), .failed(code: .badRequest, message: "the message cannot be stored (SQLSTATE 22021)")))
        #expect(commits(actions).first?.sends.map(\.message.clientMessageID) == ["c"])
        #expect(commits(actions).first?.sends.map(\.message.seq) == [2])
    }

    @Test func aFencedCommit_dropsTheLostRoom_andAnswersItsSendersUnavailable() {
        var machine = machine()
        _ = machine.requestReceived(send(1, room: 7, "a"), now: t0, wallMillis: 0)
        _ = load(&machine, room: 7)
        _ = machine.requestReceived(send(2, room: 8, "b"), now: t0, wallMillis: 0)
        _ = load(&machine, room: 8)
        _ = machine.requestReceived(send(3, room: 7, "c"), now: t0, wallMillis: 0)
        _ = machine.requestReceived(send(4, room: 8, "d"), now: t0, wallMillis: 0)
        _ = machine.commitSucceeded(frames: [], now: t0)  // "a"; next batch: "b", "c", "d"
        let actions = machine.commitFenced(lost: [7], now: t0)
        #expect(actions.contains(.reply(target(3), .failed(code: .unavailable, message: "room owner changed, retry"))))
        #expect(machine.rooms[7] == nil)
        #expect(commits(actions).first?.sends.map(\.message.clientMessageID) == ["b", "d"])
    }

    @Test func aCommitThatFailsThenSucceeds_acksWithTheSameSeq() {
        var machine = machine()
        _ = machine.requestReceived(send(1, "a"), now: t0, wallMillis: 0)
        let batch = commits(load(&machine, lastSeq: 9)).first
        #expect(machine.commitFailed(now: t0 + .milliseconds(5), jitter: 1) == [.retryCommit(after: .milliseconds(100))])
        #expect(machine.commitRetryDue() == [.commit(batch!)])
        let done = machine.commitSucceeded(frames: [], now: t0 + .milliseconds(200))
        #expect(done.first == .publishCommitted(batch!))
        #expect(batch?.sends.first?.message.seq == 10)
    }

    @Test func aCommitThatKeepsFailing_answersUnavailable_andReloadsTheRoom() {
        var machine = machine()
        _ = machine.requestReceived(send(1, "a"), now: t0, wallMillis: 0)
        _ = load(&machine)
        _ = machine.commitFailed(now: t0, jitter: 1)
        _ = machine.commitRetryDue()
        let actions = machine.commitFailed(now: t0 + .seconds(3), jitter: 1)
        #expect(actions == [.reply(target(1), .failed(code: .unavailable, message: "storage unavailable, retry")), .load(roomID: 7)])
        // Presence survives the reload.
        _ = machine.requestReceived(request(2, .join(sinceSeq: nil)), now: t0, wallMillis: 0)
        #expect(!load(&machine, lastSeq: 1).contains(.clearMembers(roomID: 7)))
    }

    // MARK: Ownership changes

    @Test func aRingChange_handsAnIdleRoomOverAtOnce_andABusyOneAfterItsCommit() {
        var machine = machine()
        _ = machine.requestReceived(request(1, room: 7, .leave), now: t0, wallMillis: 0)
        _ = load(&machine, room: 7)
        _ = machine.requestReceived(send(2, room: 8, "a"), now: t0, wallMillis: 0)
        _ = load(&machine, room: 8)
        let ring = HashRing(nodes: ["w2"])
        #expect(machine.ringChanged(ring) == [.release([7])])
        #expect(machine.requestReceived(request(3, room: 7, .leave), now: t0, wallMillis: 0) == [.reply(target(3), .failed(code: .unavailable, message: "room is moving to another worker, retry"))])
        let done = machine.commitSucceeded(frames: [], now: t0)
        #expect(done.last == .release([7, 8]))
        #expect(machine.released([7, 8]).isEmpty)
        #expect(machine.rooms.isEmpty)
    }

    @Test func aRoomTheRingMovedAwayWhileItLoaded_isHandedOverAtOnce() {
        var machine = machine()
        _ = machine.requestReceived(send(1, "a"), now: t0, wallMillis: 0)
        _ = machine.ringChanged(HashRing(nodes: ["w2"]))
        let actions = load(&machine)
        #expect(actions == [.reply(target(1), .failed(code: .unavailable, message: "room is moving to another worker, retry")), .release([7])])
        #expect(commits(actions).isEmpty)
        _ = machine.released([7])
        #expect(machine.rooms.isEmpty)
    }

    @Test func aLostSession_forgetsEveryRoom_andAnswersWhatWaited() {
        var machine = machine()
        _ = machine.requestReceived(send(1, room: 7, "a"), now: t0, wallMillis: 0)
        _ = load(&machine)
        _ = machine.requestReceived(send(2, room: 7, "b"), now: t0, wallMillis: 0)
        _ = machine.requestReceived(request(3, room: 8, .leave), now: t0, wallMillis: 0)
        let actions = machine.sessionLost()
        #expect(actions.count == 2)
        #expect(actions.contains(.reply(target(2), .failed(code: .unavailable, message: "room owner changed, retry"))))
        #expect(actions.contains(.reply(target(3), .failed(code: .unavailable, message: "room owner changed, retry"))))
        #expect(machine.rooms.isEmpty && machine.session == nil && machine.heldBytes == 0)
    }

    @Test func aDrain_refusesNewWork_andLetsTheRunningBatchFinish() {
        var machine = machine()
        _ = machine.requestReceived(send(1, "a"), now: t0, wallMillis: 0)
        _ = load(&machine)
        _ = machine.requestReceived(request(2, room: 8, .leave), now: t0, wallMillis: 0)
        #expect(machine.beginDrain() == [.reply(target(2), .failed(code: .unavailable, message: "worker is shutting down, retry"))])
        #expect(machine.requestReceived(send(3, "b"), now: t0, wallMillis: 0) == [.reply(target(3), .failed(code: .unavailable, message: "worker is shutting down, retry"))])
        #expect(!machine.isIdle)
        #expect(machine.commitSucceeded(frames: [], now: t0).last == .release([7]))
        #expect(machine.isIdle)
    }

    @Test func aGatewayMissingForALease_losesItsMembers() {
        var machine = machine()
        _ = machine.requestReceived(request(1, gateway: "g1", .join(sinceSeq: nil)), now: t0, wallMillis: 0)
        _ = load(&machine)
        #expect(machine.gatewaysAlive(["g1"], now: t0).isEmpty)
        #expect(machine.gatewaysAlive([], now: t0 + .seconds(1)).isEmpty)
        #expect(machine.gatewaysAlive([], now: t0 + .seconds(3)).isEmpty)
        #expect(machine.gatewaysAlive([], now: t0 + .seconds(4)) == [.presence(roomID: 7, event: .leave, userID: 1, username: "u1")])
    }

    // MARK: Memory

    @Test func anIdleRoomNobodyIsJoinedTo_isReleased_andLoadedAgainOnItsNextRequest() {
        var machine = machine(Self.settings(idle: .seconds(60)))
        _ = machine.requestReceived(send(1, "a"), now: t0, wallMillis: 0)
        _ = load(&machine)
        _ = machine.commitSucceeded(frames: [ByteBuffer(string: "f1")], now: t0)
        #expect(machine.tick(now: t0 + .seconds(59)).isEmpty)
        #expect(machine.tick(now: t0 + .seconds(60)) == [.release([7])])
        #expect(machine.heldBytes == OwnedRoom.baseBytes)
        // A request during the release waits, and loads the room again.
        #expect(machine.requestReceived(send(2, "b"), now: t0 + .seconds(61), wallMillis: 0).isEmpty)
        #expect(machine.released([7]) == [.load(roomID: 7)])
        let actions = load(&machine, lastSeq: 1, now: t0 + .seconds(62))
        #expect(commits(actions).first?.sends.map(\.message.seq) == [2])
    }

    @Test func anIdleRoomWithMembers_staysOwned_butShedsItsTailAndKeys() {
        var machine = machine(Self.settings(idle: .seconds(60)))
        _ = machine.requestReceived(request(1, .join(sinceSeq: nil)), now: t0, wallMillis: 0)
        _ = load(&machine)
        _ = machine.requestReceived(send(2, "a"), now: t0, wallMillis: 0)
        _ = machine.commitSucceeded(frames: [ByteBuffer(string: String(repeating: "x", count: 1_000))], now: t0)
        let loaded = machine.heldBytes
        #expect(machine.tick(now: t0 + .seconds(61)).isEmpty)
        #expect(machine.heldBytes < loaded - 1_000)
        // Resume now reads from Postgres (no replay), a resend is left to the database's key.
        let join = machine.requestReceived(request(3, user: 2, .join(sinceSeq: 0)), now: t0 + .seconds(62), wallMillis: 0)
        #expect(join.last == .reply(target(3), .joined(lastSeq: 1, replay: nil)))
        #expect(commits(machine.requestReceived(send(4, "a"), now: t0 + .seconds(62), wallMillis: 0)).count == 1)
    }

    @Test func overTheMemoryBudget_theLeastRecentlyUsedRoomsShedFirst() {
        let frame = ByteBuffer(string: String(repeating: "x", count: 4_000))
        var machine = machine(Self.settings(budget: 20_000, tail: 10))
        for room: Int64 in 1...3 {
            _ = machine.requestReceived(request(UInt64(room), room: room, .join(sinceSeq: nil)), now: t0 + .seconds(Int64(room)), wallMillis: 0)
            _ = load(&machine, room: room, now: t0 + .seconds(Int64(room)))
            for index in 0..<2 {
                _ = machine.requestReceived(send(UInt64(100 * room) + UInt64(index), room: room, nil), now: t0 + .seconds(Int64(room)), wallMillis: 0)
                _ = machine.commitSucceeded(frames: [frame], now: t0)
            }
        }
        #expect(machine.heldBytes > 20_000)
        _ = machine.tick(now: t0 + .seconds(10))
        #expect(machine.heldBytes <= 15_000)
        // Room 1 (used first) shed; room 3 (used last) kept its tail.
        let replay1 = machine.requestReceived(request(9, room: 1, user: 2, .join(sinceSeq: 0)), now: t0 + .seconds(11), wallMillis: 0)
        let replay3 = machine.requestReceived(request(10, room: 3, user: 2, .join(sinceSeq: 0)), now: t0 + .seconds(11), wallMillis: 0)
        #expect(replay1.last == .reply(target(9), .joined(lastSeq: 2, replay: nil)))
        #expect(replay3.last == .reply(target(10), .joined(lastSeq: 2, replay: [frame, frame])))
    }

    @Test func theRequestsWaitingForALoadingRoom_areBounded() {
        var settings = Self.settings()
        settings.maxQueuedPerRoom = 2
        var machine = machine(settings)
        _ = machine.requestReceived(request(1, .leave), now: t0, wallMillis: 0)
        _ = machine.requestReceived(request(2, .leave), now: t0, wallMillis: 0)
        #expect(machine.requestReceived(request(3, .leave), now: t0, wallMillis: 0) == [.reply(target(3), .failed(code: .unavailable, message: "room is loading, retry"))])
    }
}

/// Contract v1.1: the owner admits only participants to a private room, whatever a gateway thinks.
@Suite struct PrivateRoomOwnershipTests {
    let base = RoomOwnershipStateMachineTests()
    var t0: Duration { base.t0 }

    /// A machine owning private room 7 whose participants are users 1 and 2.
    func privateRoom() -> RoomOwnershipStateMachine {
        var machine = base.machine()
        #expect(machine.requestReceived(base.request(1, user: 1, .join(sinceSeq: nil)), now: t0, wallMillis: 0) == [.load(roomID: 7)])
        _ = machine.roomLoaded(7, lastSeq: 0, tail: [], keys: [], participants: [1, 2], now: t0, wallMillis: 0)
        return machine
    }

    @Test func strangers_getRoomNotFound_forJoinSendAndRejoin_andTypingIsDropped() {
        var machine = privateRoom()
        let notFound = RoomReply.Result.failed(code: .roomNotFound, message: "room not found")
        #expect(machine.requestReceived(base.request(2, user: 3, .join(sinceSeq: nil)), now: t0, wallMillis: 0) == [.reply(base.target(2), notFound)])
        #expect(machine.requestReceived(base.send(3, user: 3, "c"), now: t0, wallMillis: 0) == [.reply(base.target(3), notFound)])
        #expect(machine.requestReceived(base.request(4, user: 3, .rejoin(connections: 1)), now: t0, wallMillis: 0) == [.reply(base.target(4), notFound)])
        #expect(machine.requestReceived(base.request(5, user: 3, .typing), now: t0, wallMillis: 0).isEmpty)
        #expect(machine.commits.isIdle)
        // A participant is served.
        #expect(machine.requestReceived(base.request(6, user: 2, .typing), now: t0, wallMillis: 0) == [.typing(roomID: 7, userID: 2, username: "u2")])
    }

    @Test func removal_rereadsTheSet_endsPresence_tellsTheGateways_andRefusesLaterSends() {
        var machine = privateRoom()
        #expect(machine.requestReceived(base.request(2, user: 2, .join(sinceSeq: nil)), now: t0, wallMillis: 0).contains(.reply(base.target(2), .joined(lastSeq: 0, replay: nil))))
        #expect(machine.requestReceived(base.request(3, user: 1, .access(userID: 2)), now: t0, wallMillis: 0) == [.loadParticipants(roomID: 7, token: 1)])
        // Until the read ends, the old set holds.
        #expect(machine.requestReceived(base.request(4, user: 2, .typing), now: t0, wallMillis: 0) == [.typing(roomID: 7, userID: 2, username: "u2")])
        #expect(machine.participantsLoaded(7, token: 1, [1]) == [
            .presence(roomID: 7, event: .leave, userID: 2, username: "u2"),
            .removed(roomID: 7, userID: 2),
            .reply(base.target(3), .done),
        ])
        let refused = machine.requestReceived(base.send(5, user: 2, "c"), now: t0, wallMillis: 0)
        #expect(refused == [.reply(base.target(5), .failed(code: .roomNotFound, message: "room not found"))])
        // Added again: admitted again.
        #expect(machine.requestReceived(base.request(6, user: 1, .access(userID: 2)), now: t0, wallMillis: 0) == [.loadParticipants(roomID: 7, token: 2)])
        #expect(machine.participantsLoaded(7, token: 2, [1, 2]) == [.reply(base.target(6), .done)])
        #expect(machine.requestReceived(base.send(7, user: 2, "d"), now: t0, wallMillis: 0).contains { if case .commit = $0 { true } else { false } })
        // A changed user that is not in the set is removed at the gateways even if the owner never saw it.
        #expect(machine.requestReceived(base.request(8, user: 1, .access(userID: 9)), now: t0, wallMillis: 0) == [.loadParticipants(roomID: 7, token: 3)])
        #expect(machine.participantsLoaded(7, token: 3, [1, 2]) == [.removed(roomID: 7, userID: 9), .reply(base.target(8), .done)])
    }

    /// Two changes race (an add and a removal of the same user, answered by Postgres in one order,
    /// reaching the owner in the other): reads run one at a time and the last starts after the last
    /// change, so the owner ends with what Postgres holds.
    @Test func changesDuringARead_waitForTheNextRead_soTheLastReadWins() {
        var machine = privateRoom()
        #expect(machine.requestReceived(base.request(2, user: 1, .access(userID: 3)), now: t0, wallMillis: 0) == [.loadParticipants(roomID: 7, token: 1)])
        #expect(machine.requestReceived(base.request(3, user: 1, .access(userID: 3)), now: t0, wallMillis: 0).isEmpty)
        #expect(machine.requestReceived(base.request(4, user: 1, .access(userID: 4)), now: t0, wallMillis: 0).isEmpty)
        // The first read saw user 3 added; the second sees it removed again and user 4 added.
        #expect(machine.participantsLoaded(7, token: 1, [1, 2, 3]) == [.reply(base.target(2), .done), .loadParticipants(roomID: 7, token: 2)])
        #expect(machine.participantsLoaded(7, token: 2, [1, 2, 4]) == [
            .removed(roomID: 7, userID: 3), .reply(base.target(3), .done), .reply(base.target(4), .done),
        ])
        #expect(machine.requestReceived(base.send(5, user: 3, "c"), now: t0, wallMillis: 0) == [
            .reply(base.target(5), .failed(code: .roomNotFound, message: "room not found"))
        ])
        // A stale read (its token no longer counts) changes nothing; a failed read is answered `unavailable`.
        #expect(machine.participantsLoaded(7, token: 1, [1, 2, 3]).isEmpty)
        #expect(machine.requestReceived(base.request(6, user: 1, .access(userID: 3)), now: t0, wallMillis: 0) == [.loadParticipants(roomID: 7, token: 3)])
        #expect(machine.participantsLoadFailed(7, token: 3) == [.reply(base.target(6), .failed(code: .unavailable, message: "room owner changed, retry"))])
    }

    @Test func aLostSession_refusesTheWaitingChanges() {
        var machine = privateRoom()
        _ = machine.requestReceived(base.request(2, user: 1, .access(userID: 3)), now: t0, wallMillis: 0)
        #expect(machine.sessionLost().contains(.reply(base.target(2), .failed(code: .unavailable, message: "room owner changed, retry"))))
        #expect(machine.participantsLoaded(7, token: 1, [1]).isEmpty)
    }

    @Test func anAccessChangeForAnUnloadedRoom_loadsIt_thenRereads() {
        var machine = base.machine()
        #expect(machine.requestReceived(base.request(1, user: 1, .access(userID: 2)), now: t0, wallMillis: 0) == [.load(roomID: 7)])
        let actions = machine.roomLoaded(7, lastSeq: 0, tail: [], keys: [], participants: [1], now: t0, wallMillis: 0)
        #expect(actions == [.clearMembers(roomID: 7), .loadParticipants(roomID: 7, token: 1)])
        #expect(machine.participantsLoaded(7, token: 1, [1, 2]) == [.reply(base.target(1), .done)])
        #expect(machine.requestReceived(base.request(2, user: 2, .join(sinceSeq: nil)), now: t0, wallMillis: 0).contains(.reply(base.target(2), .joined(lastSeq: 0, replay: nil))))
    }

    @Test func publicRooms_admitEveryone_andIgnoreAccessChanges() {
        var machine = base.machine()
        _ = machine.requestReceived(base.request(1, user: 1, .join(sinceSeq: nil)), now: t0, wallMillis: 0)
        _ = machine.roomLoaded(7, lastSeq: 0, tail: [], keys: [], participants: nil, now: t0, wallMillis: 0)
        #expect(machine.requestReceived(base.request(2, user: 1, .access(userID: 5)), now: t0, wallMillis: 0) == [
            .reply(base.target(2), .done)
        ])
        #expect(machine.requestReceived(base.request(3, user: 5, .join(sinceSeq: nil)), now: t0, wallMillis: 0).contains(.reply(base.target(3), .joined(lastSeq: 0, replay: nil))))
    }
}
