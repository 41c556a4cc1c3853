import ClusterKit
import Testing

@testable import RoomWorker

@Suite struct GroupCommitStateMachineTests {
    typealias Machine = GroupCommitStateMachine
    /// A hand-moved clock: the machine's time is a `Duration` since the executor started.
    let t0: Duration = .seconds(1_000)

    func send(_ room: Int64, _ id: String?, user: Int64 = 1, request: UInt64 = 1) -> PendingSend {
        PendingSend(
            message: ChatMessage(roomID: room, seq: 0, userID: user, username: "u", content: "c", clientMessageID: id, sentAt: 0),
            replyTo: [ReplyTarget(gatewayID: "g", requestID: request)]
        )
    }

    func key(_ room: Int64, _ id: String, user: Int64 = 1) -> RoomKey {
        RoomKey(roomID: room, key: IdempotencyKey(userID: user, clientMessageID: id))
    }

    @Test func startBatch_assignsContiguousSeqsPerRoom_afterEachRoomsLastSeq() {
        var machine = Machine(maxBatch: 10, retryFor: .seconds(3))
        machine.enqueue(send(1, "a"))
        machine.enqueue(send(2, "b"))
        machine.enqueue(send(1, "c"))
        let (batch, orphans) = machine.startBatch(now: t0) { $0 == 1 ? 10 : 20 }
        #expect(orphans.isEmpty)
        #expect(batch?.sends.map(\.message.seq) == [11, 21, 12])
        #expect(batch?.previous == [1: 10, 2: 20])
        #expect(machine.isRunning && !machine.isIdle)
        #expect(machine.startBatch(now: t0) { _ in 0 }.batch == nil)  // one batch at a time
    }

    @Test func startBatch_takesAtMostMaxBatch_andReturnsSendsOfRoomsNoLongerReady() {
        var machine = Machine(maxBatch: 2, retryFor: .seconds(3))
        machine.enqueue(send(1, "a"))
        machine.enqueue(send(9, "x"))
        machine.enqueue(send(1, "b"))
        let (batch, orphans) = machine.startBatch(now: t0) { $0 == 9 ? nil : 0 }
        #expect(batch?.sends.map(\.message.clientMessageID) == ["a"])
        #expect(orphans.map(\.message.roomID) == [9])
        #expect(machine.pending.count == 1)
        #expect(!machine.hasWork(inRoom: 9))
    }

    @Test func aResendWhileTheFirstCopyWaitsOrCommits_isAttachedToIt() {
        var machine = Machine(maxBatch: 10, retryFor: .seconds(3))
        machine.enqueue(send(1, "a"))
        let attached1 = machine.attach(key(1, "a"), ReplyTarget(gatewayID: "g2", requestID: 2))
        #expect(attached1)
        _ = machine.startBatch(now: t0) { _ in 0 }
        let attached2 = machine.attach(key(1, "a"), ReplyTarget(gatewayID: "g3", requestID: 3))
        #expect(attached2)
        let attached3 = machine.attach(key(1, "b"), ReplyTarget(gatewayID: "g", requestID: 4))
        #expect(!attached3)
        let attached4 = machine.attach(key(1, "a", user: 2), ReplyTarget(gatewayID: "g", requestID: 5))
        #expect(!attached4)
        let batch = machine.committed()
        #expect(batch?.sends.first?.replyTo.map(\.requestID) == [1, 2, 3])
        #expect(machine.isIdle)
    }

    @Test func canonicallyEquivalentIdsAreDifferentKeys() {
        var machine = Machine(maxBatch: 10, retryFor: .seconds(3))
        machine.enqueue(send(1, "caf\u{E9}"))
        let attached5 = machine.attach(key(1, "cafe\u{301}"), ReplyTarget(gatewayID: "g", requestID: 2))
        #expect(!attached5)
        let attached6 = machine.attach(key(1, "caf\u{E9}"), ReplyTarget(gatewayID: "g", requestID: 3))
        #expect(attached6)
    }

    @Test func fenced_failsTheLostRoomsSends_andRequeuesTheOthersFirst() {
        var machine = Machine(maxBatch: 10, retryFor: .seconds(3))
        machine.enqueue(send(1, "a"))
        machine.enqueue(send(2, "b"))
        _ = machine.startBatch(now: t0) { _ in 5 }
        machine.enqueue(send(2, "c"))
        let failed = machine.fenced([1])
        #expect(failed.map(\.message.clientMessageID) == ["a"])
        #expect(machine.pending.map(\.message.clientMessageID) == ["b", "c"])
        #expect(machine.pending.allSatisfy { $0.message.seq == 0 })
        #expect(!machine.hasWork(inRoom: 1) && machine.hasWork(inRoom: 2))
        let next = machine.startBatch(now: t0) { _ in 5 }.batch
        #expect(next?.sends.map(\.message.seq) == [6, 7])
    }

    @Test func duplicates_areAnsweredWithTheStoredSeq_andTheRestCommitsNext() {
        var machine = Machine(maxBatch: 10, retryFor: .seconds(3))
        machine.enqueue(send(1, "a"))
        machine.enqueue(send(1, "b"))
        _ = machine.startBatch(now: t0) { _ in 0 }
        let duplicates = machine.foundDuplicates([key(1, "a"): 42])
        #expect(duplicates.map(\.seq) == [42])
        #expect(machine.pending.map(\.message.clientMessageID) == ["b"])
        #expect(machine.startBatch(now: t0) { _ in 0 }.batch?.sends.map(\.message.seq) == [1])
    }

    @Test func aRejectedMessageFailsAlone_andTheOthersGetContiguousSeqsAgain() {
        var machine = Machine(maxBatch: 10, retryFor: .seconds(3))
        machine.enqueue(send(1, "a"))
        machine.enqueue(send(1, "bad"))
        machine.enqueue(send(1, "c"))
        _ = machine.startBatch(now: t0) { _ in 0 }
        let refused = machine.rejected([1: CommitRejection(sqlState: "54000")])
        #expect(refused.map(\.send.message.clientMessageID) == ["bad"])
        #expect(refused.map(\.reason.sqlState) == ["54000"])
        let next = machine.startBatch(now: t0) { _ in 0 }.batch
        #expect(next?.sends.map(\.message.clientMessageID) == ["a", "c"])
        #expect(next?.sends.map(\.message.seq) == [1, 2])
    }

    @Test func aFailedCommitIsRetriedWithTheSameSeqs_thenSucceeds() {
        var machine = Machine(maxBatch: 10, retryFor: .seconds(3), retryBase: .milliseconds(100), retryMaximum: .seconds(1))
        machine.enqueue(send(1, "a"))
        let first = machine.startBatch(now: t0) { _ in 7 }.batch
        #expect(machine.failed(now: t0 + .milliseconds(10), jitter: 1) == .retry(after: .milliseconds(100)))
        machine.enqueue(send(1, "b"))  // waits for the next batch
        #expect(machine.startBatch(now: t0) { _ in 0 }.batch == nil)
        #expect(machine.retryDue() == first)
        #expect(machine.failed(now: t0 + .milliseconds(200), jitter: 1) == .retry(after: .milliseconds(200)))
        #expect(machine.retryDue()?.sends.map(\.message.seq) == [8])
        #expect(machine.committed()?.sends.map(\.message.seq) == [8])
        #expect(machine.startBatch(now: t0 + .seconds(1)) { _ in 8 }.batch?.sends.map(\.message.seq) == [9])
    }

    @Test func aCommitThatKeepsFailing_givesUpWhenTheRetryTimeIsSpent() {
        var machine = Machine(maxBatch: 10, retryFor: .seconds(1), retryBase: .milliseconds(400), retryMaximum: .seconds(1))
        machine.enqueue(send(1, "a"))
        _ = machine.startBatch(now: t0) { _ in 0 }
        #expect(machine.failed(now: t0, jitter: 1) == .retry(after: .milliseconds(400)))
        _ = machine.retryDue()
        guard case .giveUp(let batch)? = machine.failed(now: t0 + .milliseconds(500), jitter: 1) else {
            Issue.record("expected to give up")
            return
        }
        #expect(batch.sends.count == 1)
        #expect(machine.isIdle && !machine.hasWork(inRoom: 1))
    }

    @Test func jitterScalesTheDelayBetweenHalfAndAll() {
        var machine = Machine(maxBatch: 10, retryFor: .seconds(30), retryBase: .milliseconds(100), retryMaximum: .seconds(1))
        machine.enqueue(send(1, "a"))
        _ = machine.startBatch(now: t0) { _ in 0 }
        #expect(machine.failed(now: t0, jitter: 0) == .retry(after: .milliseconds(50)))
    }

    @Test func removePending_returnsOnlyThatRoomsWaitingSends() {
        var machine = Machine(maxBatch: 1, retryFor: .seconds(3))
        machine.enqueue(send(1, "a"))
        _ = machine.startBatch(now: t0) { _ in 0 }
        machine.enqueue(send(1, "b"))
        machine.enqueue(send(2, "c"))
        #expect(machine.removePending(ofRoom: 1).map(\.message.clientMessageID) == ["b"])
        #expect(machine.hasWork(inRoom: 1))  // "a" still runs
        #expect(machine.removeAllPending().map(\.message.clientMessageID) == ["c"])
        _ = machine.committed()
        #expect(machine.isIdle && !machine.hasWork(inRoom: 1))
    }
}
