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
        case close(code: UInt16, reason: String)
    }

    private struct Item: @unchecked Sendable {
        // `ClientSocket` is touched only on `loop`, where the batch is written.
        let socket: ClientSocket
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

    func send(_ payload: ByteBuffer, to socket: ClientSocket) {
        append(Item(socket: socket, operation: .text(payload)))
    }

    func close(_ socket: ClientSocket, code: UInt16, reason: String) {
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
        var flushes: [ClientSocket] = []
        var lastPayload: ByteBuffer?
        var lastFrame = ByteBuffer()
        for item in items {
            switch item.operation {
            case .text(let payload):
                if payload != lastPayload {
                    lastFrame = WebSocketText.frame(payload, allocator: item.socket.channel.allocator)
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

/// Server-to-client WebSocket text frames (RFC 6455 §5.2: FIN, opcode 1, no mask).
enum WebSocketText {
    static func frame(_ payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        let length = payload.readableBytes
        var frame = allocator.buffer(capacity: length + 10)
        frame.writeInteger(UInt8(0x81))
        switch length {
        case ..<126:
            frame.writeInteger(UInt8(length))
        case ..<65536:
            frame.writeInteger(UInt8(126))
            frame.writeInteger(UInt16(length))
        default:
            frame.writeInteger(UInt8(127))
            frame.writeInteger(UInt64(length))
        }
        var payload = payload
        frame.writeBuffer(&payload)
        return frame
    }
}
