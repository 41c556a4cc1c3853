import ClusterKit
import NIOCore
import Synchronization

/// One WebSocket client: who it is, which rooms it is in, its outbound queue and its rate limit.
final class ClientConnection: Sendable {
    enum Membership: Sendable, Equatable {
        /// `join` sent, `joined` not yet: sends are already accepted (the owner sees them after the join).
        case joining
        case joined
        /// The room was deleted while joined: sends get `room_not_found`.
        case closed
    }

    let id: UInt64
    let identity: Identity
    let queue: OutboundQueue
    private let rooms = Mutex<[Int64: Membership]>([:])
    private let limiter: Mutex<TokenBucket>

    init(id: UInt64, identity: Identity, outboundLimit: Int, rate: Double, burst: Double) {
        self.id = id
        self.identity = identity
        self.queue = OutboundQueue(limit: outboundLimit)
        self.limiter = Mutex(TokenBucket(rate: rate, burst: burst))
    }

    func send(_ frame: ByteBuffer) {
        queue.enqueue(frame)
    }

    func close(code: UInt16, reason: String) {
        queue.close(code: code, reason: reason)
    }

    /// Takes a rate-limit token at `now` (seconds).
    func allow(now: Double) -> Bool {
        limiter.withLock { $0.take(now: now) }
    }

    func membership(of roomID: Int64) -> Membership? {
        rooms.withLock { $0[roomID] }
    }

    /// Sets the membership; returns the previous one.
    @discardableResult
    func setMembership(_ membership: Membership?, of roomID: Int64) -> Membership? {
        rooms.withLock { rooms in
            defer { rooms[roomID] = membership }
            return rooms[roomID]
        }
    }

    /// Every room it is in (or joining), removing them all.
    func leaveAll() -> [Int64] {
        rooms.withLock { rooms in
            defer { rooms.removeAll() }
            return rooms.filter { $0.value != .closed }.map(\.key)
        }
    }
}
