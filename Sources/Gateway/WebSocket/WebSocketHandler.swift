import NIOCore
import NIOWebSocket

/// One WebSocket connection after the upgrade, as a plain NIO channel handler: no Swift task, no
/// async sequence, nothing that lives per connection but this object, its `ChatSession` and NIO's
/// channel.
///
/// Inbound, the frames that NIO's `WebSocketFrameDecoder` produced go through the RFC 6455 state
/// machine (`WebSocketStateMachine`) and complete messages go to the session. Outbound, every
/// frame is pre-encoded (`ServerFrames`) and written straight to the socket: the event loop's
/// `LoopWriter` writes the batched room traffic through `write`/`flush`/`close`, control frames
/// are written here. One timer per connection (idle ping, pong timeout, token expiry, close
/// handshake), re-armed only when it fires or when a close moves it earlier.
///
/// Event loop only, hence `@unchecked Sendable`: `LoopWriter` holds it in batches that it runs on
/// this connection's loop.
final class WebSocketHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = ByteBuffer

    /// How long a slow consumer's socket stays open after its 4008 close: its close frame waits
    /// behind the bytes it has not read, and it should still learn why (and resume) if it reads.
    static let slowConsumerGrace: TimeAmount = .seconds(60)

    let allocator: ByteBufferAllocator
    /// Receives the connection's messages and its end; set before the handler is added.
    var session: ChatSession?
    /// Written to since the last flush (see `LoopWriter`).
    var needsFlush = false
    private var machine: WebSocketStateMachine
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    /// The connection failed or its close was answered: input is read and dropped until the client closes.
    private var draining = false

    init(machine: WebSocketStateMachine, allocator: ByteBufferAllocator) {
        self.machine = machine
        self.allocator = allocator
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        armTimer(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        cancelTimer()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let received = WebSocketStateMachine.Frame(
            fin: frame.fin, reservedBits: frame.reservedBits.rawValue, opcode: UInt8(webSocketOpcode: frame.opcode),
            masked: frame.maskKey != nil, payload: frame.unmaskedData
        )
        perform(machine.frameReceived(received, now: .now()), context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush { flush() }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Once failing, the rest of the input is only drained (the decoder then reports every read).
        guard !draining else { return }
        if let error = error as? NIOWebSocketError {
            perform(machine.decodingFailed(tooLarge: error == .invalidFrameLength), context: context)
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
        cancelTimer()
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
        guard context.channel.isWritable else {
            return close(code: .slowConsumer, reason: "slow consumer: outbound buffer overflowed")
        }
        context.write(wrapOutboundOut(frame), promise: nil)
        needsFlush = true
    }

    func flush() {
        needsFlush = false
        context?.flush()
    }

    /// Starts the close handshake with `code` after what was written before; the first close wins.
    func close(code: CloseCode, reason: String) {
        guard let context else { return }
        let grace = code == .slowConsumer ? Self.slowConsumerGrace : nil
        perform(machine.closeRequested(.init(code: code, reason: reason), now: .now(), timeout: grace), context: context)
    }

    // MARK: Actions

    private func perform(_ action: WebSocketStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            return
        case .deliver(let message):
            session?.received(message, now: .now())
        case .sendPong(let payload):
            context.write(wrapOutboundOut(ServerFrames.pong(payload, allocator: allocator)), promise: nil)
            needsFlush = true
        case .sendPing:
            context.writeAndFlush(wrapOutboundOut(ServerFrames.ping(allocator: allocator)), promise: nil)
            armTimer(context: context)
        case .sendClose(let close):
            needsFlush = false
            context.writeAndFlush(wrapOutboundOut(ServerFrames.close(code: close.code, reason: close.reason, allocator: allocator)), promise: nil)
            armTimer(context: context)
        case .closeConnection(let close):
            needsFlush = false
            cancelTimer()
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

    // MARK: Timer

    /// Makes sure the timer fires no later than the state machine's next deadline.
    private func armTimer(context: ChannelHandlerContext) {
        guard let next = machine.nextDeadline else { return cancelTimer() }
        if let timerDeadline, timerDeadline <= next { return }
        timer?.cancel()
        timerDeadline = next
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: next) { [self] in
            timer = nil
            timerDeadline = nil
            guard let context = self.context else { return }
            perform(machine.timerFired(now: .now()), context: context)
            armTimer(context: context)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerDeadline = nil
    }
}
