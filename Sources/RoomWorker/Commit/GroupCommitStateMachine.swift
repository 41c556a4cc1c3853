import ClusterKit

/// The group commit of a worker, as a pure state machine: sends wait in arrival order, one batch
/// at a time is committed with its seqs assigned, and the batch's outcome decides each send's answer.
///
/// It decides; the executor commits. Idempotency keys are matched by bytes (`IdempotencyKey`): a
/// resend that arrives while its first copy waits or commits is attached to it and gets the same seq.
///
/// ```
///            startBatch            committed / fenced / duplicates / rejected
///   idle ───────────────▶ committing ─────────────────────────────────────────▶ idle
///                          │   ▲
///            failed, time  │   │ retryDue
///            left to retry ▼   │
///                       waitingToRetry      failed, out of time: giveUp ──▶ idle
/// ```
struct GroupCommitStateMachine {
    enum State: Sendable {
        case idle
        /// `batch` is being written; `startedAt` is its first attempt.
        case committing(CommitBatch, startedAt: Duration, attempt: Int)
        /// The last attempt failed for a reason that concerns the connection or the transaction.
        case waitingToRetry(CommitBatch, startedAt: Duration, attempt: Int)
    }

    /// What to do after an attempt failed.
    enum FailureAction: Equatable {
        /// Retry the same batch (same seqs) after this delay.
        case retry(after: Duration)
        /// Out of time: answer every send of this batch `unavailable` (whether it committed is unknown).
        case giveUp(CommitBatch)
    }

    /// Most sends in one batch.
    let maxBatch: Int
    /// How long a failing batch is retried, from its first attempt.
    let retryFor: Duration
    let retryBase: Duration
    let retryMaximum: Duration

    private(set) var state: State = .idle
    /// Sends waiting for the next batch, in arrival order.
    private(set) var pending: [PendingSend] = []
    private var pendingIndex: [RoomKey: Int] = [:]
    private var runningIndex: [RoomKey: Int] = [:]
    /// Sends waiting or running, per room.
    private var work: [Int64: Int] = [:]

    init(maxBatch: Int, retryFor: Duration, retryBase: Duration = .milliseconds(100), retryMaximum: Duration = .seconds(1)) {
        self.maxBatch = max(1, maxBatch)
        self.retryFor = retryFor
        self.retryBase = retryBase
        self.retryMaximum = retryMaximum
    }

    /// `true` when no send waits or runs.
    var isIdle: Bool {
        guard case .idle = state else { return false }
        return pending.isEmpty
    }

    /// `true` while a batch is being written or waits to be retried.
    var isRunning: Bool {
        if case .idle = state { return false }
        return true
    }

    /// `true` while a send of `roomID` waits or runs.
    func hasWork(inRoom roomID: Int64) -> Bool { work[roomID] != nil }

    // MARK: Sends

    /// Attaches `target` to the waiting or running send with this key; `false` if there is none.
    mutating func attach(_ key: RoomKey, _ target: ReplyTarget) -> Bool {
        if let index = runningIndex[key] {
            switch state {
            case .committing(var batch, let startedAt, let attempt):
                state = .idle
                batch.sends[index].replyTo.append(target)
                state = .committing(batch, startedAt: startedAt, attempt: attempt)
            case .waitingToRetry(var batch, let startedAt, let attempt):
                state = .idle
                batch.sends[index].replyTo.append(target)
                state = .waitingToRetry(batch, startedAt: startedAt, attempt: attempt)
            case .idle:
                return false
            }
            return true
        }
        if let index = pendingIndex[key] {
            pending[index].replyTo.append(target)
            return true
        }
        return false
    }

    /// A new send waits for the next batch.
    mutating func enqueue(_ send: PendingSend) {
        if let key = send.roomKey { pendingIndex[key] = pending.count }
        pending.append(send)
        work[send.message.roomID, default: 0] += 1
    }

    /// Removes the waiting sends of `roomID` (the room was closed or dropped) and returns them to
    /// be answered; running ones are answered when their batch ends.
    mutating func removePending(ofRoom roomID: Int64) -> [PendingSend] {
        var removed: [PendingSend] = []
        pending.removeAll { send in
            guard send.message.roomID == roomID else { return false }
            removed.append(send)
            return true
        }
        removed.forEach { finished($0) }
        reindexPending()
        return removed
    }

    /// Removes every waiting send (the session is gone) and returns them to be answered.
    mutating func removeAllPending() -> [PendingSend] {
        let removed = pending
        pending.removeAll()
        pendingIndex.removeAll()
        removed.forEach { finished($0) }
        return removed
    }

    // MARK: Batches

    /// Starts the next batch if none runs: up to `maxBatch` waiting sends, each room's seqs
    /// continuing `lastSeq(room)`. Sends whose room is no longer ready (`lastSeq` is nil) are
    /// returned as `orphans`, to be answered `unavailable`.
    mutating func startBatch(now: Duration, lastSeq: (Int64) -> Int64?) -> (batch: CommitBatch?, orphans: [PendingSend]) {
        guard case .idle = state else { return (nil, []) }
        var orphans: [PendingSend] = []
        while !pending.isEmpty {
            let count = min(pending.count, maxBatch)
            var batch = CommitBatch(sends: [], previous: [:])
            batch.sends.reserveCapacity(count)
            var next: [Int64: Int64] = [:]
            for var send in pending.prefix(count) {
                let roomID = send.message.roomID
                guard let last = next[roomID] ?? lastSeq(roomID) else {
                    orphans.append(send)
                    finished(send)
                    continue
                }
                if batch.previous[roomID] == nil { batch.previous[roomID] = last }
                send.message.seq = last + 1
                next[roomID] = last + 1
                if let key = send.roomKey { runningIndex[key] = batch.sends.count }
                batch.sends.append(send)
            }
            pending.removeFirst(count)
            reindexPending()
            if !batch.sends.isEmpty {
                state = .committing(batch, startedAt: now, attempt: 0)
                return (batch, orphans)
            }
        }
        return (nil, orphans)
    }

    /// The running batch is stored: returns it (every send is answered with its seq).
    mutating func committed() -> CommitBatch? {
        guard let batch = endBatch() else { return nil }
        batch.sends.forEach { finished($0) }
        return batch
    }

    /// The fence refused the batch: nothing was written. The sends of `lost` rooms are returned
    /// (to be answered `unavailable`); the others wait again, first in line.
    mutating func fenced(_ lost: Set<Int64>) -> [PendingSend] {
        endBatch { _, send in lost.contains(send.message.roomID) ? () : nil }.map(\.send)
    }

    /// Some sends are resends of stored messages (with these seqs): nothing was written. Returns
    /// those with their stored seq; the others wait again, first in line.
    mutating func foundDuplicates(_ stored: [RoomKey: Int64]) -> [(send: PendingSend, seq: Int64)] {
        endBatch { _, send in send.roomKey.flatMap { stored[$0] } }.map { ($0.send, $0.value) }
    }

    /// Postgres refused the messages at these batch positions on their own: nothing was written.
    /// Returns them with the reason; the others wait again, first in line (their seqs are
    /// assigned anew, so the room's seqs stay contiguous).
    mutating func rejected(_ reasons: [Int: CommitRejection]) -> [(send: PendingSend, reason: CommitRejection)] {
        endBatch { index, _ in reasons[index] }.map { ($0.send, $0.value) }
    }

    /// The attempt failed for a reason that concerns the connection or the transaction (Postgres
    /// restarting, a timeout). `jitter` (0...1) scales the delay, injected for tests.
    mutating func failed(now: Duration, jitter: Double = 1) -> FailureAction? {
        guard case .committing(let batch, let startedAt, let attempt) = state else { return nil }
        let ceiling = min(retryMaximum, retryBase * (1 << min(attempt, 20)))
        let delay = ceiling * (0.5 + 0.5 * max(0, min(jitter, 1)))
        if (now - startedAt) + delay < retryFor {
            state = .waitingToRetry(batch, startedAt: startedAt, attempt: attempt + 1)
            return .retry(after: delay)
        }
        _ = endBatch()
        batch.sends.forEach { finished($0) }
        return .giveUp(batch)
    }

    /// The retry delay is over: the batch to write again (same seqs).
    mutating func retryDue() -> CommitBatch? {
        guard case .waitingToRetry(let batch, let startedAt, let attempt) = state else { return nil }
        state = .committing(batch, startedAt: startedAt, attempt: attempt)
        return batch
    }

    // MARK: Bookkeeping

    private mutating func endBatch() -> CommitBatch? {
        let batch: CommitBatch
        switch state {
        case .committing(let running, _, _), .waitingToRetry(let running, _, _): batch = running
        case .idle: return nil
        }
        state = .idle
        runningIndex.removeAll(keepingCapacity: true)
        return batch
    }

    private mutating func requeue(_ sends: [PendingSend]) {
        guard !sends.isEmpty else { return }
        pending.insert(contentsOf: sends.map { send in
            var send = send
            send.message.seq = 0
            return send
        }, at: 0)
        reindexPending()
    }

    private mutating func finished(_ send: PendingSend) {
        let roomID = send.message.roomID
        guard let count = work[roomID] else { return }
        work[roomID] = count > 1 ? count - 1 : nil
    }

    private mutating func reindexPending() {
        pendingIndex.removeAll(keepingCapacity: true)
        for (index, send) in pending.enumerated() {
            if let key = send.roomKey { pendingIndex[key] = index }
        }
    }

    /// Ends a batch that wrote nothing: the sends `pick` answers for leave the machine with that
    /// answer, the others wait again, first in line.
    private mutating func endBatch<Value>(_ pick: (Int, PendingSend) -> Value?) -> [(send: PendingSend, value: Value)] {
        guard let batch = endBatch() else { return [] }
        var picked: [(send: PendingSend, value: Value)] = []
        var kept: [PendingSend] = []
        for (index, send) in batch.sends.enumerated() {
            if let value = pick(index, send) {
                picked.append((send, value))
                finished(send)
            } else {
                kept.append(send)
            }
        }
        requeue(kept)
        return picked
    }
}
