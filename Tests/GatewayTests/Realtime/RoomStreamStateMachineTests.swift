import NIOCore
import Testing

@testable import Gateway

@Suite struct RoomStreamStateMachineTests {
    func frame(_ seq: Int64) -> ByteBuffer { ByteBuffer(string: "m\(seq)") }
    func seqs(_ action: RoomStreamStateMachine.Action) -> [Int64] { action.deliver.map(\.seq) }

    @Test func holdsUntilStarted_thenDeliversOnlyAfterLastSeq() {
        var stream = RoomStreamStateMachine()
        #expect(seqs(stream.received(seq: 4, frame: frame(4))).isEmpty)
        #expect(seqs(stream.received(seq: 6, frame: frame(6))).isEmpty)
        #expect(seqs(stream.received(seq: 5, frame: frame(5))).isEmpty)
        let started = stream.start(lastSeq: 4)
        #expect(seqs(started) == [5, 6])
        #expect(started.fetch == nil)
        #expect(stream.delivered == 6)
    }

    @Test func inOrder_isDeliveredAtOnce_andDuplicatesDropped() {
        var stream = RoomStreamStateMachine()
        _ = stream.start(lastSeq: 0)
        #expect(seqs(stream.received(seq: 1, frame: frame(1))) == [1])
        #expect(seqs(stream.received(seq: 1, frame: frame(1))).isEmpty)
        #expect(seqs(stream.received(seq: 2, frame: frame(2))) == [2])
    }

    @Test func aGap_isHeldAndFetched_thenFilledInOrder() {
        var stream = RoomStreamStateMachine()
        _ = stream.start(lastSeq: 10)
        let gap = stream.received(seq: 14, frame: frame(14))
        #expect(seqs(gap).isEmpty)
        #expect(gap.fetch == 11...13)
        // While fetching, later messages are held without a second fetch.
        let more = stream.received(seq: 15, frame: frame(15))
        #expect(seqs(more).isEmpty && more.fetch == nil)
        // The late original of 11 arrives before the fetch answers.
        #expect(seqs(stream.received(seq: 11, frame: frame(11))) == [11])
        let filled = stream.fetched([(12, frame(12)), (13, frame(13)), (11, frame(11))])
        #expect(seqs(filled) == [12, 13, 14, 15])
        #expect(filled.fetch == nil)
        #expect(seqs(stream.received(seq: 13, frame: frame(13))).isEmpty)
    }

    @Test func aFetchThatMissesPart_asksAgain() {
        var stream = RoomStreamStateMachine()
        _ = stream.start(lastSeq: 0)
        #expect(stream.received(seq: 5, frame: frame(5)).fetch == 1...4)
        let partial = stream.fetched([(1, frame(1)), (2, frame(2))])
        #expect(seqs(partial) == [1, 2])
        #expect(partial.fetch == 3...4)
    }

    @Test func catchUp_readsEverythingAfterDelivered() {
        var stream = RoomStreamStateMachine()
        #expect(stream.catchUp().fetch == nil)  // not started yet
        _ = stream.start(lastSeq: 7)
        #expect(stream.catchUp().fetch == 8...Int64.max)
        #expect(stream.catchUp().fetch == nil)  // one fetch at a time
        #expect(seqs(stream.fetched([(8, frame(8))])) == [8])
        stream.fetchFailed()
        #expect(stream.catchUp().fetch == 9...Int64.max)
    }
}
