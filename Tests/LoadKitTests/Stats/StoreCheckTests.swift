import Testing

@testable import LoadKit

@Suite struct StoreCheckTests {
    /// Four sends over rooms 100 (sends 0, 2) and 200 (sends 1, 3), all acked.
    func ackedLedger() -> SendLedger {
        var ledger = SendLedger(window: 4, roomOwners: [0, 0], workers: 1)
        _ = ledger.takeSends(now: 0)
        ledger.acked(requestID: 1, seq: 1, now: 1)
        ledger.acked(requestID: 2, seq: 1, now: 1)
        ledger.acked(requestID: 3, seq: 2, now: 1)
        ledger.acked(requestID: 4, seq: 2, now: 1)
        return ledger
    }

    @Test func everyAckStoredOnceWithItsSeq_isClean() {
        var verifier = StoreVerifier(ledger: ackedLedger(), roomIDs: [100, 200], idPrefix: "t-")
        verifier.add(roomID: 100, seq: 1, clientMessageID: "t-0")
        verifier.add(roomID: 200, seq: 1, clientMessageID: "t-1")
        verifier.add(roomID: 100, seq: 2, clientMessageID: "t-2")
        verifier.add(roomID: 200, seq: 2, clientMessageID: "t-3")
        let check = verifier.finish(lastSeqs: [100: 2, 200: 2])
        #expect(check.isClean)
        #expect(check.acked == 4 && check.ackedStoredOnce == 4 && check.storedRows == 4)
    }

    @Test func aMissingAck_andAHole_areFound() {
        var verifier = StoreVerifier(ledger: ackedLedger(), roomIDs: [100, 200], idPrefix: "t-")
        verifier.add(roomID: 100, seq: 1, clientMessageID: "t-0")
        verifier.add(roomID: 100, seq: 2, clientMessageID: "t-2")
        verifier.add(roomID: 200, seq: 2, clientMessageID: "t-3")
        let check = verifier.finish(lastSeqs: [100: 2, 200: 2])
        #expect(!check.isClean)
        #expect(check.ackedMissing == 1)
        #expect(check.brokenRooms == 1)  // room 200 has seq 2 without seq 1
    }

    @Test func wrongSeqs_duplicates_andForeignRows_areFound() {
        var verifier = StoreVerifier(ledger: ackedLedger(), roomIDs: [100, 200], idPrefix: "t-")
        verifier.add(roomID: 100, seq: 2, clientMessageID: "t-0")  // acked as 1
        verifier.add(roomID: 200, seq: 1, clientMessageID: "t-1")
        verifier.add(roomID: 100, seq: 1, clientMessageID: "t-2")  // acked as 2
        verifier.add(roomID: 200, seq: 2, clientMessageID: "t-3")
        verifier.add(roomID: 200, seq: 3, clientMessageID: "t-3")  // again
        verifier.add(roomID: 200, seq: 4, clientMessageID: "other-1")
        verifier.add(roomID: 200, seq: 5, clientMessageID: "t-0")  // a send of room 100
        let check = verifier.finish(lastSeqs: [100: 2, 200: 5])
        #expect(check.ackedWrongSeq == 2)
        #expect(check.duplicateRows == 1)
        #expect(check.foreignRows == 2)
        #expect(check.brokenRooms == 0)
        #expect(!check.isClean)
    }

    @Test func aStoredSendThatWasNotAcked_isAllowed() {
        var ledger = SendLedger(window: 2, roomOwners: [0], workers: 1)
        _ = ledger.takeSends(now: 0)
        ledger.acked(requestID: 1, seq: 1, now: 1)
        ledger.failed(requestID: 2, code: "unavailable")
        var verifier = StoreVerifier(ledger: ledger, roomIDs: [100], idPrefix: "t-")
        verifier.add(roomID: 100, seq: 1, clientMessageID: "t-0")
        verifier.add(roomID: 100, seq: 2, clientMessageID: "t-1")
        let check = verifier.finish(lastSeqs: [100: 2])
        #expect(check.isClean)
        #expect(check.storedNotAcked == 1)
    }

    @Test func lastSeqBeyondTheStoredRows_isAHole() {
        let verifier = StoreVerifier(ledger: SendLedger(window: 1, roomOwners: [0], workers: 1), roomIDs: [100], idPrefix: "t-")
        let check = verifier.finish(lastSeqs: [100: 3])
        #expect(check.brokenRooms == 1)
    }
}
