import NIOCore
import Synchronization

/// The bounded outbound buffer of one WebSocket client.
///
/// Producers (room fan-out, replies) enqueue without waiting; one writer task drains it to the
/// socket. If the client does not read and more than `limit` bytes pile up, the queue drops
/// everything it holds (freeing the memory at once) and asks to close with 4008: one slow client
/// never makes the server grow without bound.
final class OutboundQueue: Sendable {
    enum Next: Equatable {
        /// Frames to write, oldest first.
        case frames([ByteBuffer])
        /// Write nothing more; close with this code.
        case close(code: UInt16, reason: String)
    }

    private struct State {
        var frames: [ByteBuffer] = []
        var bytes = 0
        var closing: (code: UInt16, reason: String)?
        var waiter: CheckedContinuation<Void, Never>?
    }

    static let slowConsumer: UInt16 = 4008

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// Queues a frame; dropped if the connection is closing.
    func enqueue(_ frame: ByteBuffer) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.closing == nil else { return nil }
            if state.bytes + frame.readableBytes > limit {
                state.frames = []
                state.bytes = 0
                state.closing = (Self.slowConsumer, "slow consumer: outbound buffer overflowed")
            } else {
                state.frames.append(frame)
                state.bytes += frame.readableBytes
            }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Asks to close with `code` after the frames already queued (the first request wins).
    func close(code: UInt16, reason: String) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.closing == nil { state.closing = (code, reason) }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Bytes waiting now.
    var queuedBytes: Int { state.withLock { $0.bytes } }

    /// Waits for frames (all that are queued) or the close request. One consumer only.
    func next() async -> Next {
        while true {
            let ready = state.withLock { state -> Next? in
                if !state.frames.isEmpty {
                    let frames = state.frames
                    state.frames = []
                    state.bytes = 0
                    return .frames(frames)
                }
                if let closing = state.closing { return .close(code: closing.code, reason: closing.reason) }
                return nil
            }
            if let ready { return ready }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if !state.frames.isEmpty || state.closing != nil { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }
}
