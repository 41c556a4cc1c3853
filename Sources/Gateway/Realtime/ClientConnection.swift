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
        /// The user was removed from the private room (or left it) while joined: sends get
        /// `room_not_found`, as for any stranger.
        case removed
    }

    let id: UInt64
    let identity: Identity
    /// Frames go to the socket's event loop in batches (no task per connection).
    let writer: LoopWriter
    /// The connection's handler, the target of `writer`'s batches.
    let socket: WebSocketHandler
    private let rooms = Mutex<[Int64: Membership]>([:])
    private let limits: Mutex<Limits>

    /// What one client may use: its frame rate, and joins whose answer or replay is still
    /// coming (`WS_MAX_JOINS_IN_PROGRESS`). One lock for both.
    private struct Limits {
        var bucket: TokenBucket
        var joinsInProgress = 0
    }

    /// `socket` is the connection's handler, already in (or about to join) its channel's pipeline
    /// on `writer`'s event loop.
    init(id: UInt64, identity: Identity, rate: Double, burst: Double, socket: WebSocketHandler, writer: LoopWriter) {
        self.id = id
        self.identity = identity
        self.limits = Mutex(Limits(bucket: TokenBucket(rate: rate, burst: burst)))
        self.socket = socket
        self.writer = writer
    }

    /// Queues a text message (the JSON payload) for the client; never waits.
    func send(_ frame: ByteBuffer) {
        writer.send(frame, to: socket)
    }

    /// Queues a room message (a `message` frame) for the client: a delivery; never waits.
    func deliver(_ frame: ByteBuffer) {
        writer.deliver(frame, to: socket)
    }

    /// Closes with `code` after the frames already sent; frames sent afterwards are dropped.
    /// The first close asked for wins.
    func close(code: CloseCode, reason: String) {
        writer.close(socket, code: code, reason: reason)
    }

    /// Queues a page of history behind the frames sent before, and returns once the socket has
    /// room for the next page (`WebSocketHandler.writeReplay`); `false` if the connection ended.
    func sendReplay(_ payloads: [ByteBuffer]) async -> Bool {
        let done = writer.loop.makePromise(of: Bool.self)
        writer.replay(payloads, to: socket, done: done)
        return (try? await done.futureResult.get()) ?? false
    }

    /// Takes a rate-limit token at `now` (seconds).
    func allow(now: Double) -> Bool {
        limits.withLock { $0.bucket.take(now: now) }
    }

    /// Seconds until a token is free at `now` (0: one is), taking it if one is: a replay's pages
    /// are paid from the same budget as the client's frames.
    func takeOrWait(now: Double) -> Double {
        limits.withLock { $0.bucket.take(now: now) ? 0 : $0.bucket.wait(now: now) }
    }

    /// Counts a join in progress; `false` (not counted) when `limit` are already.
    func beginJoin(limit: Int) -> Bool {
        limits.withLock { limits in
            guard limits.joinsInProgress < limit else { return false }
            limits.joinsInProgress += 1
            return true
        }
    }

    func endJoin() {
        limits.withLock { $0.joinsInProgress -= 1 }
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

    /// `joining` becomes `joined`; `false` (nothing changed) if it is no longer joining.
    func promote(_ roomID: Int64) -> Bool {
        rooms.withLock { rooms in
            guard rooms[roomID] == .joining else { return false }
            rooms[roomID] = .joined
            return true
        }
    }

    /// Every room it is in (or joining), removing them all.
    func leaveAll() -> [Int64] {
        rooms.withLock { rooms in
            defer { rooms.removeAll() }
            return rooms.filter { $0.value == .joining || $0.value == .joined }.map(\.key)
        }
    }
}
