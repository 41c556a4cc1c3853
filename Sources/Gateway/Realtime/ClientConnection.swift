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
    let channel: any Channel
    /// Frames go to the socket's event loop in batches (no task per connection).
    private let writer: LoopWriter
    private let socket: ClientSocket
    private let rooms = Mutex<[Int64: Membership]>([:])
    private let limiter: Mutex<TokenBucket>

    /// `onClose` runs once, on the channel's event loop, when a close was asked for: after every
    /// frame sent before it. It sends the close frame (the WebSocket library's close handshake).
    /// A client that lets more than `outboundLimit` bytes pile up is closed with 4008.
    init(
        id: UInt64, identity: Identity, outboundLimit: Int, rate: Double, burst: Double,
        channel: any Channel, writers: LoopWriters, onClose: @escaping @Sendable (UInt16, String) -> Void
    ) {
        self.id = id
        self.identity = identity
        self.channel = channel
        self.limiter = Mutex(TokenBucket(rate: rate, burst: burst))
        let socket = ClientSocket(channel: channel, onClose: onClose)
        let waterMark = ChannelOptions.Types.WriteBufferWaterMark(low: max(1, outboundLimit / 2), high: max(2, outboundLimit))
        channel.setOption(ChannelOptions.writeBufferWaterMark, value: waterMark).whenFailure { _ in }
        // Added before any frame is appended: both run in order on the channel's event loop.
        channel.pipeline.addHandler(socket, position: .first).whenFailure { _ in }
        self.socket = socket
        self.writer = writers.writer(for: channel.eventLoop)
    }

    /// Queues a text message (the JSON payload) for the client; never waits.
    func send(_ frame: ByteBuffer) {
        writer.send(frame, to: socket)
    }

    /// Closes with `code` after the frames already sent; frames sent afterwards are dropped.
    /// The first close asked for wins.
    func close(code: UInt16, reason: String) {
        writer.close(socket, code: code, reason: reason)
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
