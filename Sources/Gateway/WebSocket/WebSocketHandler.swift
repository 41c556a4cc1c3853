import ClusterKit
import NIOCore
import Synchronization
import NIOWebSocket

/// One WebSocket connection after the upgrade, as a plain NIO channel handler: no Swift task, no
/// async sequence, nothing that lives per connection but this object, its `ChatSession` and NIO's
/// channel.
///
/// Inbound, the frames that NIO's `WebSocketFrameDecoder` produced go through the RFC 6455 state
/// machine (`WebSocketStateMachine`) and complete messages go to the session. Outbound, every
/// frame is pre-encoded (`ServerFrames`) and written straight to the socket: the event loop's
/// `LoopWriter` writes the batched room traffic through `write`/`flush`/`close`, control frames
/// are written here. Time (idle ping, pong timeout, token expiry, close handshake) comes from the
/// loop's `LoopTimer`: no scheduled task per connection.
///
/// Event loop only, hence `@unchecked Sendable`: `LoopWriter` holds it in batches that it runs on
/// this connection's loop.
final class WebSocketHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = ByteBuffer

    /// How long a slow consumer's socket stays open after its 4008 close: its close frame waits
    /// behind the bytes it has not read, and it should still learn why (and resume) if it reads.
    static let slowConsumerGrace: TimeAmount = .seconds(60)

    /// Receives the connection's messages and its end; set before the handler is added.
    var session: ChatSession?
    /// Written to since the last flush (see `LoopWriter`).
    var needsFlush: Bool { unflushed > 0 }
    /// Frames written since the last flush. A batch flushes every `flushEvery` frames: NIO keeps a
    /// channel's queue of pending writes at its largest size, so a burst of hundreds of frames
    /// (presence while a room fills) would cost every socket that queue for its whole life.
    private var unflushed: UInt8 = 0
    static let flushEvery: UInt8 = 16
    /// This handler's place in its `LoopTimer` (which keeps it).
    var timerIndex: Int?
    private let timer: LoopTimer
    private var machine: WebSocketStateMachine
    private var context: ChannelHandlerContext?
    /// Whether the channel is below its high-water mark (kept from `channelWritabilityChanged`,
    /// so that a write does not ask the channel).
    private var writable = true
    /// `writable`, readable from any thread: a history replay waits on it between pages
    /// (back-pressure) instead of overflowing the client's buffer.
    let outboundWritable = Atomic<Bool>(true)
    /// The connection failed or its close was answered: input is read and dropped until the client closes.
    private var draining = false

    init(machine: WebSocketStateMachine, timer: LoopTimer) {
        self.machine = machine
        self.timer = timer
    }

    private var allocator: ByteBufferAllocator { ServerFrames.allocator }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        writable = context.channel.isWritable
        outboundWritable.store(writable, ordering: .relaxed)
        timer.add(self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        timer.remove(self)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        outboundWritable.store(writable, ordering: .relaxed)
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let received = WebSocketStateMachine.Frame(
            fin: frame.fin, reservedBits: frame.reservedBits.rawValue, opcode: UInt8(webSocketOpcode: frame.opcode),
            masked: frame.maskKey != nil, payload: frame.unmaskedData
        )
        let now = NIODeadline.now()
        perform(machine.frameReceived(received, now: now), context: context, now: now)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush { flush() }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Once failing, the rest of the input is only drained (the decoder then reports every read).
        guard !draining else { return }
        if let error = error as? NIOWebSocketError {
            perform(machine.decodingFailed(tooLarge: error == .invalidFrameLength), context: context, now: .now())
        } else {
            machine.channelClosed()
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The client closed its side (half-closure is on): nothing more can come, so close ours.
        if let event = event as? ChannelEvent, event == .inputClosed {
            machine.channelClosed()
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        machine.channelClosed()
        timer.remove(self)
        let session = self.session
        self.session = nil
        session?.ended()
        context.fireChannelInactive()
    }

    // MARK: Writing (event loop only)

    /// Writes a complete server frame, unless the connection is closing or closed. A client that
    /// does not read (the kernel's send buffer full and the channel's pending bytes over the
    /// high-water mark, `WS_OUTBOUND_BUFFER_BYTES`) is closed with 4008 and gets nothing more.
    func write(_ frame: ByteBuffer) {
        guard machine.isOpen, let context else { return }
        guard writable else {
            return close(code: .slowConsumer, reason: "slow consumer: outbound buffer overflowed")
        }
        context.write(wrapOutboundOut(frame), promise: nil)
        unflushed += 1
        if unflushed >= Self.flushEvery { flush() }
    }

    func flush() {
        unflushed = 0
        context?.flush()
    }

    /// Starts the close handshake with `code` after what was written before; the first close wins.
    func close(code: CloseCode, reason: String) {
        guard let context else { return }
        let grace = code == .slowConsumer ? Self.slowConsumerGrace : nil
        let now = NIODeadline.now()
        perform(machine.closeRequested(.init(code: code, reason: reason), now: now, timeout: grace), context: context, now: now)
    }

    // MARK: Actions

    private func perform(_ action: WebSocketStateMachine.Action, context: ChannelHandlerContext, now: NIODeadline) {
        switch action {
        case .none:
            return
        case .deliver(let message):
            session?.received(message, now: now)
        case .sendPong(let payload):
            // A client that pings without reading would grow the outbound queue: over the
            // high-water mark it is a slow consumer, and pings count against its rate limit
            // (one over the limit is not answered).
            guard writable else { return close(code: .slowConsumer, reason: "slow consumer: outbound buffer overflowed") }
            guard session?.allowControlFrame(now: now) ?? true else { return }
            context.write(wrapOutboundOut(ServerFrames.pong(payload, allocator: allocator)), promise: nil)
            unflushed += 1
            if unflushed >= Self.flushEvery { flush() }
        case .sendPing:
            context.writeAndFlush(wrapOutboundOut(ServerFrames.ping(allocator: allocator)), promise: nil)
        case .sendClose(let close):
            unflushed = 0
            context.writeAndFlush(wrapOutboundOut(ServerFrames.close(code: close.code, reason: close.reason, allocator: allocator)), promise: nil)
        case .closeConnection(let close):
            unflushed = 0
            timer.remove(self)
            guard let close else { return context.close(promise: nil) }
            // The close frame, then FIN once it is written; the client answers by closing its side
            // (`inputClosed`). Closing at once instead would reset the connection if unread input
            // is left, and the reset can destroy the close frame before the client reads it.
            draining = true
            context.write(wrapOutboundOut(ServerFrames.close(code: close.code, reason: close.reason, allocator: allocator)), promise: nil)
            context.flush()
            context.close(mode: .output, promise: nil)
            let channel = context.channel
            context.eventLoop.scheduleTask(in: machine.configuration.closeTimeout) { channel.close(promise: nil) }
        }
    }

    // MARK: Time

    /// Called by the loop's `LoopTimer`: acts on a deadline that has passed.
    func tick(now: NIODeadline) {
        guard let context, let next = machine.nextDeadline, now >= next else { return }
        perform(machine.timerFired(now: now), context: context, now: now)
    }
}
