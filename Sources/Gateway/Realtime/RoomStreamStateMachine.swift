import NIOCore

/// Puts a room's messages, as this gateway receives them from Redis, back into gap-free seq order.
///
/// Redis pub/sub can lose messages (a reconnect) or reorder them across owners (a takeover while
/// the old owner's last publish is still in flight). Messages at or below `delivered` are dropped;
/// the next seq is delivered at once; a later one is held and the missing range is fetched from
/// Postgres, where every published message already is (a message is published after its commit).
struct RoomStreamStateMachine {
    enum State {
        /// Subscribed, but no join has told us where the room is yet: hold everything.
        case waiting(held: [Int64: ByteBuffer])
        case live(delivered: Int64, held: [Int64: ByteBuffer], fetching: Bool)
    }

    struct Action: Equatable {
        /// Frames to hand to members now, in seq order.
        var deliver: [Delivery] = []
        /// Read `(after, before)` exclusive from storage and call `fetched`.
        var fetch: ClosedRange<Int64>?
    }

    struct Delivery: Equatable {
        let seq: Int64
        let frame: ByteBuffer
    }

    private(set) var state: State = .waiting(held: [:])

    /// The highest seq handed to members, once known.
    var delivered: Int64? {
        if case .live(let delivered, _, _) = state { return delivered }
        return nil
    }

    /// A join learned the room's `lastSeq`: members see what comes after it.
    mutating func start(lastSeq: Int64) -> Action {
        guard case .waiting(let held) = state else { return Action() }
        state = .live(delivered: lastSeq, held: held.filter { $0.key > lastSeq }, fetching: false)
        return drain()
    }

    /// A message arrived from Redis.
    mutating func received(seq: Int64, frame: ByteBuffer) -> Action {
        switch state {
        case .waiting(var held):
            held[seq] = frame
            state = .waiting(held: held)
            return Action()
        case .live(let delivered, var held, let fetching):
            guard seq > delivered, held[seq] == nil else { return Action() }
            held[seq] = frame
            state = .live(delivered: delivered, held: held, fetching: fetching)
            return drain()
        }
    }

    /// Messages read from storage for a requested range (any order, possibly overlapping).
    mutating func fetched(_ messages: [(seq: Int64, frame: ByteBuffer)]) -> Action {
        guard case .live(let delivered, var held, _) = state else { return Action() }
        for message in messages where message.seq > delivered && held[message.seq] == nil {
            held[message.seq] = message.frame
        }
        state = .live(delivered: delivered, held: held, fetching: false)
        return drain()
    }

    /// A fetch failed; the caller retries later with `retryFetch`.
    mutating func fetchFailed() {
        if case .live(let delivered, let held, _) = state { state = .live(delivered: delivered, held: held, fetching: false) }
    }

    /// Asks for a fetch again if a gap is still open (after a failure), or to catch up after the
    /// bus reconnected (`upTo`: read everything after `delivered`).
    mutating func catchUp() -> Action {
        guard case .live(let delivered, let held, let fetching) = state, !fetching else { return Action() }
        state = .live(delivered: delivered, held: held, fetching: true)
        let before = held.keys.min() ?? Int64.max
        return Action(fetch: (delivered + 1)...(before == Int64.max ? Int64.max : before - 1))
    }

    private mutating func drain() -> Action {
        guard case .live(var delivered, var held, var fetching) = state else { return Action() }
        var action = Action()
        while let frame = held.removeValue(forKey: delivered + 1) {
            delivered += 1
            action.deliver.append(Delivery(seq: delivered, frame: frame))
        }
        if let lowest = held.keys.min(), !fetching {
            fetching = true
            action.fetch = (delivered + 1)...(lowest - 1)
        }
        state = .live(delivered: delivered, held: held, fetching: fetching)
        return action
    }
}
