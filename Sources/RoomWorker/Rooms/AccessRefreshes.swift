import ClusterKit

/// Re-reads of private rooms' participant sets, at most one per room at a time. A change that
/// arrives while a read runs waits for the next read, so the last read of a room always starts
/// after the last change was stored: the owner's set ends equal to Postgres whatever the order
/// in which concurrent changes reach it. Pure bookkeeping, part of `RoomOwnershipStateMachine`.
struct AccessRefreshes {
    /// A gateway waiting for the room's set to include its change to `userID`.
    struct Waiter: Equatable, Sendable {
        let target: ReplyTarget
        let userID: Int64
    }

    private struct Refresh {
        var token: UInt64
        var running: [Waiter]
        var next: [Waiter]
    }

    private var refreshes: [Int64: Refresh] = [:]
    private var lastToken: UInt64 = 0

    /// A change to the room's participants is stored: the token of a read to start now, or `nil`
    /// when one is running (the waiter is served by the read after it).
    mutating func requested(_ roomID: Int64, _ waiter: Waiter) -> UInt64? {
        if refreshes[roomID] != nil {
            refreshes[roomID]?.next.append(waiter)
            return nil
        }
        lastToken &+= 1
        refreshes[roomID] = Refresh(token: lastToken, running: [waiter], next: [])
        return lastToken
    }

    /// Read `token` of the room ended: the waiters it serves, and the token of the next read if
    /// changes arrived meanwhile. `nil` for a read that no longer counts (cancelled).
    mutating func finished(_ roomID: Int64, token: UInt64) -> (waiters: [Waiter], next: UInt64?)? {
        guard var refresh = refreshes[roomID], refresh.token == token else { return nil }
        let waiters = refresh.running
        guard !refresh.next.isEmpty else {
            refreshes[roomID] = nil
            return (waiters, nil)
        }
        lastToken &+= 1
        refresh.token = lastToken
        refresh.running = refresh.next
        refresh.next = []
        refreshes[roomID] = refresh
        return (waiters, lastToken)
    }

    /// The room was dropped or loaded anew: its waiters (to be refused; they retry), and any read
    /// in flight is ignored when it ends.
    mutating func cancel(_ roomID: Int64) -> [Waiter] {
        guard let refresh = refreshes.removeValue(forKey: roomID) else { return [] }
        return refresh.running + refresh.next
    }

    /// Every waiter of every room (the session is lost).
    mutating func cancelAll() -> [Waiter] {
        defer { refreshes.removeAll() }
        return refreshes.values.flatMap { $0.running + $0.next }
    }
}
