import ClusterKit
import NIOCore
import Synchronization

/// Writes the outbound frames of every WebSocket on one event loop, in batches.
///
/// Producers on any thread (the room fan-out on a Redis event loop, replies from the worker
/// client) append without waiting: a frame for one socket, or a room message with the list of
/// the loop's in-step members of that room (`fanout`: one append for all of them). The first
/// append to an empty batch schedules one task on the event loop (or, with a flush interval, a
/// task that runs that much later); that task frames each payload once, writes the same bytes to
/// every socket it is for, and then flushes each written socket once. Under load the batches grow
/// on their own: one wake-up of the loop serves every member on it, and several frames for one
/// client leave in one `writev`.
///
/// Order: a socket's frames and its close are written in the order they were appended, on its
/// one event loop.
///
/// Metrics: a batch counts what it wrote (text frames, bytes, room messages) in local integers and
/// adds them to `metrics` once at its end, so the fan-out costs no atomic operation per socket.
final class LoopWriter: Sendable {
    private enum Item: @unchecked Sendable {
        // `WebSocketHandler` is touched only on `loop`, where the batch is written.
        /// A text message (the JSON payload, framed here) for one socket.
        case text(ByteBuffer, WebSocketHandler)
        /// A room message for one socket (a delivery: counted as one).
        case message(ByteBuffer, WebSocketHandler)
        /// A text message for every socket in the list.
        case fanout(ByteBuffer, [WebSocketHandler])
        /// Write nothing more after the frames before; then close with this code.
        case close(WebSocketHandler, code: CloseCode, reason: String)
        /// A page of history for one socket, written as its replay budget allows (`writeReplay`).
        case replay([ByteBuffer], WebSocketHandler, done: EventLoopPromise<Bool>)
    }

    let loop: any EventLoop
    /// How long the first frame of a batch waits for others (`GatewayConfig.flushInterval`).
    let flushInterval: TimeAmount?
    /// The deadlines of the loop's sockets.
    let timer: LoopTimer
    /// Where the batches count what they wrote; the loop's sockets count their own frames there too.
    let metrics: GatewayMetrics
    private let batch = Mutex<[Item]>([])

    init(loop: any EventLoop, flushInterval: Duration = .zero, metrics: GatewayMetrics = GatewayMetrics()) {
        self.loop = loop
        self.metrics = metrics
        self.flushInterval = flushInterval > .zero ? TimeAmount(flushInterval) : nil
        self.timer = LoopTimer(loop: loop)
    }

    func send(_ payload: ByteBuffer, to socket: WebSocketHandler) {
        append(.text(payload, socket))
    }

    /// Writes a room message (a `message` frame's payload) to one socket.
    func deliver(_ payload: ByteBuffer, to socket: WebSocketHandler) {
        append(.message(payload, socket))
    }

    /// Writes `payload` to every socket in `sockets` (all on this loop), framed once.
    func fanout(_ payload: ByteBuffer, to sockets: [WebSocketHandler]) {
        guard !sockets.isEmpty else { return }
        append(.fanout(payload, sockets))
    }

    func close(_ socket: WebSocketHandler, code: CloseCode, reason: String) {
        append(.close(socket, code: code, reason: reason))
    }

    /// Queues a page of history (JSON payloads) for `socket`, after the frames appended before;
    /// `done` succeeds once the socket has taken the whole page into its replay queue's budget,
    /// with `false` when the connection ends first.
    func replay(_ payloads: [ByteBuffer], to socket: WebSocketHandler, done: EventLoopPromise<Bool>) {
        append(.replay(payloads, socket, done: done))
    }

    private func append(_ item: Item) {
        let first = batch.withLock { batch in
            batch.append(item)
            return batch.count == 1
        }
        guard first else { return }
        if let flushInterval {
            loop.scheduleTask(in: flushInterval) { self.drain() }
        } else {
            loop.execute { self.drain() }
        }
    }

    /// Writes the batch, then flushes what was written (event loop only).
    private func drain() {
        var items: [Item] = []
        batch.withLock { swap(&items, &$0) }
        var frames = 0
        var bytes = 0
        var deliveries = 0
        for item in items {
            switch item {
            case .text(let payload, let socket), .message(let payload, let socket):
                let frame = ServerFrames.text(payload, allocator: ServerFrames.allocator)
                guard socket.write(frame) else { continue }
                frames += 1
                bytes += frame.readableBytes
                if case .message = item { deliveries += 1 }
            case .fanout(let payload, let sockets):
                let frame = ServerFrames.text(payload, allocator: ServerFrames.allocator)
                var written = 0
                for socket in sockets {
                    if socket.write(frame) { written += 1 }
                }
                frames += written
                bytes += written * frame.readableBytes
                deliveries += written
            case .close(let socket, let code, let reason):
                if socket.needsFlush { socket.flush() }
                socket.close(code: code, reason: reason)
            case .replay(let payloads, let socket, let done):
                if socket.needsFlush { socket.flush() }
                socket.writeReplay(payloads, done: done)
            }
        }
        metrics.textWritten(frames: frames, bytes: bytes, deliveries: deliveries)
        for item in items {
            switch item {
            case .text(_, let socket), .message(_, let socket):
                if socket.needsFlush { socket.flush() }
            case .fanout(_, let sockets):
                for socket in sockets where socket.needsFlush { socket.flush() }
            case .close, .replay:
                break
            }
        }
    }
}
