import Testing

@testable import LoadKit

@Suite struct SendLedgerTests {
    @Test func takeSends_fillsTheWindowAndNoMore() {
        var ledger = SendLedger(window: 3, roomOwners: [0, 1], workers: 2)
        #expect(ledger.takeSends(now: 0) == 0..<3)
        #expect(ledger.takeSends(now: 1) == 3..<3)
        ledger.acked(requestID: 2, seq: 1, now: 5)
        #expect(ledger.outstanding == 2)
        #expect(ledger.takeSends(now: 6) == 3..<4)
        #expect(ledger.sent == 4)
    }

    @Test func stop_endsSendingButNotAnswers() {
        var ledger = SendLedger(window: 2, roomOwners: [0], workers: 1)
        _ = ledger.takeSends(now: 0)
        ledger.stop()
        ledger.acked(requestID: 1, seq: 1, now: 1)
        #expect(ledger.takeSends(now: 2).isEmpty)
        #expect(ledger.acked == 1)
        #expect(ledger.outstanding == 1)
    }

    @Test func acksCountInTheWindowPerOwnerWithTheirLatency() {
        // Sends 0, 2 go to room slot 0 (worker 0), send 1 to slot 1 (worker 1).
        var ledger = SendLedger(window: 10, roomOwners: [0, 1], workers: 2)
        _ = ledger.takeSends(now: 1_000)
        ledger.acked(requestID: 1, seq: 1, now: 2_000)  // before the window
        ledger.beginMeasure(now: 5_000)
        ledger.acked(requestID: 2, seq: 1, now: 6_000)
        ledger.acked(requestID: 3, seq: 2, now: 11_000)
        ledger.endMeasure(now: 20_000)
        ledger.acked(requestID: 4, seq: 1, now: 30_000)  // after it
        #expect(ledger.acked == 4)
        #expect(ledger.ackedInWindow == 2)
        #expect(ledger.ackedInWindowByWorker == [1, 1])
        #expect(ledger.ackLatency.count == 2)
        #expect(ledger.ackLatency.summary.maxMicros == 10)
        #expect(ledger.takeIntervalLatency().count == 4)
        #expect(ledger.takeIntervalLatency().count == 0)
    }

    @Test func failures_areCountedByCodeAndRemembered() {
        var ledger = SendLedger(window: 4, roomOwners: [0], workers: 1)
        _ = ledger.takeSends(now: 0)
        ledger.failed(requestID: 1, code: "unavailable")
        ledger.failed(requestID: 3, code: "unavailable")
        ledger.acked(requestID: 2, seq: 7, now: 1)
        ledger.failAllPending(code: "timeout")
        #expect(ledger.failed == ["unavailable": 2, "timeout": 1])
        #expect(ledger.outcome(of: 0) == .failed(code: "unavailable"))
        #expect(ledger.outcome(of: 1) == .acked(seq: 7))
        #expect(ledger.outcome(of: 3) == .failed(code: "timeout"))
        #expect(ledger.outstanding == 0)
    }

    @Test func strayReplies_doNotChangeTheOutcome() {
        var ledger = SendLedger(window: 2, roomOwners: [0], workers: 1)
        _ = ledger.takeSends(now: 0)
        ledger.acked(requestID: 1, seq: 1, now: 1)
        ledger.acked(requestID: 1, seq: 5, now: 2)  // answered twice
        ledger.acked(requestID: 9, seq: 1, now: 2)  // never sent
        ledger.failed(requestID: 0, code: "undecodable_reply")
        #expect(ledger.strayReplies == 3)
        #expect(ledger.outcome(of: 0) == .acked(seq: 1))
        #expect(ledger.acked == 1)
        #expect(ledger.outstanding == 1)
    }
}
