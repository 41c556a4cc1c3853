import Testing

@testable import LoadKit

@Suite struct SequenceTrackerTests {
    @Test func contiguousSeqsAreComplete() {
        var tracker = SequenceTracker(baseline: 10)
        for seq in 11...20 as ClosedRange<Int64> { #expect(tracker.record(seq) == .inOrder) }
        #expect(tracker.received == 10)
        #expect(tracker.isComplete(upTo: 20))
        #expect(tracker.missing(upTo: 20) == 0)
    }

    @Test func aSkipLeavesAHoleThatCountsAsMissing() {
        var tracker = SequenceTracker(baseline: 0)
        tracker.record(1)
        #expect(tracker.record(4) == .ahead(missing: 2))
        tracker.record(5)
        #expect(tracker.skips == 1)
        #expect(tracker.holes == [2...3])
        #expect(tracker.missing(upTo: 5) == 2)
        #expect(!tracker.isComplete(upTo: 5))
    }

    @Test func aLateSeqFillsItsHoleAndCountsAsOutOfOrder() {
        var tracker = SequenceTracker(baseline: 0)
        tracker.record(1)
        tracker.record(4)
        #expect(tracker.record(3) == .outOfOrder)
        #expect(tracker.holes == [2...2])
        #expect(tracker.record(2) == .outOfOrder)
        #expect(tracker.holes.isEmpty)
        #expect(tracker.missing(upTo: 4) == 0)
        #expect(tracker.outOfOrder == 2)
        // Everything arrived, but not in order: the contract is broken all the same.
        #expect(!tracker.isComplete(upTo: 4))
    }

    @Test func fillingTheMiddleOfAHoleSplitsIt() {
        var tracker = SequenceTracker(baseline: 0)
        tracker.record(10)
        tracker.record(5)
        #expect(tracker.holes == [1...4, 6...9])
        #expect(tracker.missing(upTo: 10) == 8)
    }

    @Test func aRepeatedSeqIsADuplicate() {
        var tracker = SequenceTracker(baseline: 0)
        tracker.record(1)
        tracker.record(2)
        #expect(tracker.record(2) == .duplicate)
        #expect(tracker.record(1) == .duplicate)
        #expect(tracker.duplicates == 2)
        #expect(tracker.received == 2)
        #expect(!tracker.isComplete(upTo: 2))
    }

    @Test func aSeqAtOrBelowTheBaselineIsADuplicate() {
        var tracker = SequenceTracker(baseline: 7)
        #expect(tracker.record(7) == .duplicate)
        #expect(tracker.record(3) == .duplicate)
        #expect(tracker.record(8) == .inOrder)
    }

    @Test func messagesAfterTheLastSeenOneAreMissing() {
        var tracker = SequenceTracker(baseline: 0)
        tracker.record(1)
        tracker.record(2)
        #expect(tracker.missing(upTo: 5) == 3)
        #expect(!tracker.isComplete(upTo: 5))
    }

    @Test func aResumedTrackerContinuesAcrossTheReconnect() {
        var tracker = SequenceTracker(baseline: 0)
        for seq in 1...5 as ClosedRange<Int64> { tracker.record(seq) }
        // Reconnect with since_seq = 5: the replay and live stream go on from 6.
        var resumed = tracker
        for seq in 6...9 as ClosedRange<Int64> { resumed.record(seq) }
        #expect(resumed.isComplete(upTo: 9))
        #expect(resumed.received == 9)
    }

    @Test func theRunCheckAddsUpStreamsAgainstEachRoomsLastSeq() {
        var good = SequenceTracker(baseline: 0)
        for seq in 1...3 as ClosedRange<Int64> { good.record(seq) }
        var short = SequenceTracker(baseline: 0)
        short.record(1)
        short.record(1)
        let check = LoadDriver.checkSequences(
            [(client: 1, room: 7, tracker: good), (client: 2, room: 7, tracker: short)], lastAcked: [7: 2]
        )
        #expect(check.streams == 2)
        #expect(check.complete == 1)
        // The room's last seq is the highest any member saw (3), above the highest ack (2).
        #expect(check.missing == 2)
        #expect(check.duplicates == 1)
        #expect(!check.isClean)
        #expect(check.examples.count == 1)
        #expect(check.examples[0].contains("client 2 room 7"))
    }
}
