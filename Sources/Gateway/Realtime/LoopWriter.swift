import NIOCore
import Synchronization

/// Writes the outbound frames of every WebSocket on one event loop, in batches.
///
/// Producers on any thread (the room fan-out on a Redis event loop, replies from the worker
/// client) append `(socket, payload)` without waiting. The first append to an empty batch
/// schedules one task on the event loop; that task writes everything appended until then and
/// flushes each socket once (or, with a flush interval, a task that runs that much later). Under load the batches grow on their own: one wake-up of the loop
/// serves every member on it, and several frames for one client leave in one `writev`.
///
/// Order: a socket's frames and its close are written in the order they were appended, on its
/// one event loop. A payload is framed once per run of equal payloads (a room message appended
/// for every member in a row is framed once per batch, not per member).
final class LoopWriter: Sendable {
    enum Operation: Sendable {
        /// A text message; the payload is the JSON, framed here.
        case text(ByteBuffer)
        /// Write nothing more after the frames before; then close with this code.
        case close(code: CloseCode, reason: String)
    }

    private struct Item: @unchecked Sendable {
        // `WebSocketHandler` is touched only on `loop`, where the batch is written.
        let socket: WebSocketHandler
        let operation: Operation
    }

    let loop: any EventLoop
    /// How long the first frame of a batch waits for others (`GatewayConfig.flushInterval`).
    let flushInterval: TimeAmount?
    private let batch = Mutex<[Item]>([])

    init(loop: any EventLoop, flushInterval: Duration = .zero) {
        self.loop = loop
        self.flushInterval = flushInterval > .zero ? TimeAmount(flushInterval) : nil
    }

    func send(_ payload: ByteBuffer, to socket: WebSocketHandler) {
        append(Item(socket: socket, operation: .text(payload)))
    }

    func close(_ socket: WebSocketHandler, code: CloseCode, reason: String) {
        append(Item(socket: socket, operation: .close(code: code, reason: reason)))
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

    /// Writes the batch (event loop only).
    private func drain() {
        let items = batch.withLock { batch in
            defer { batch.removeAll(keepingCapacity: true) }
            return batch
        }
        var flushes: [WebSocketHandler] = []
        var lastPayload: ByteBuffer?
        var lastFrame = ByteBuffer()
        for item in items {
            switch item.operation {
            case .text(let payload):
                if payload != lastPayload {
                    lastFrame = ServerFrames.text(payload, allocator: item.socket.allocator)
                    lastPayload = payload
                }
                let wasPending = item.socket.needsFlush
                item.socket.write(lastFrame)
                if !wasPending, item.socket.needsFlush { flushes.append(item.socket) }
            case .close(let code, let reason):
                if item.socket.needsFlush { item.socket.flush() }
                item.socket.close(code: code, reason: reason)
            }
        }
        for socket in flushes where socket.needsFlush { socket.flush() }
    }
}
