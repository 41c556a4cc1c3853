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
    /// Frames go to the socket's event loop in batches (no task per connection).
    let writer: LoopWriter
    /// The connection's handler, the target of `writer`'s batches.
    let socket: WebSocketHandler
    private let rooms = Mutex<[Int64: Membership]>([:])
    private let limiter: Mutex<TokenBucket>

    /// `socket` is the connection's handler, already in (or about to join) its channel's pipeline
    /// on `writer`'s event loop.
    init(id: UInt64, identity: Identity, rate: Double, burst: Double, socket: WebSocketHandler, writer: LoopWriter) {
        self.id = id
        self.identity = identity
        self.limiter = Mutex(TokenBucket(rate: rate, burst: burst))
        self.socket = socket
        self.writer = writer
    }

    /// Queues a text message (the JSON payload) for the client; never waits.
    func send(_ frame: ByteBuffer) {
        writer.send(frame, to: socket)
    }

    /// Closes with `code` after the frames already sent; frames sent afterwards are dropped.
    /// The first close asked for wins.
    func close(code: CloseCode, reason: String) {
        writer.close(socket, code: code, reason: reason)
    }

    /// Whether the socket's outbound queue is below its high-water mark (or back under its low
    /// one after it went over): what a history replay waits for between pages.
    var isWritable: Bool { socket.outboundWritable.load(ordering: .relaxed) }

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
