import ClusterKit
import NIOCore
import Synchronization
import NIOWebSocket
import Prometheus

/// One WebSocket connection after the upgrade, as a plain NIO channel handler: no Swift task, no
/// async sequence, nothing that lives per connection but this object, its `ChatSession` and NIO's
/// channel.
///
/// Inbound, the frames that NIO's `WebSocketFrameDecoder` produced go through the RFC 6455 state
/// machine (`WebSocketStateMachine`) and complete messages go to the session. Outbound, every
/// frame is pre-encoded (`ServerFrames`) and written straight to the socket: the event loop's
/// `LoopWriter` writes the batched room traffic through `write`/`flush`/`close`, control frames
/// are written here. Time (idle ping, pong timeout, token expiry, close handshake) comes from the
/// loop's `LoopTimer`: no scheduled task per connection. It counts its frames in `metrics`
/// (received frames one by one; what `LoopWriter` writes through it is counted per batch there).
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
    /// The connection failed or its close was answered: input is read and dropped until the client closes.
    private var draining = false
    /// History frames waiting for the socket; only while a replay writes (one word otherwise).
    private var replay: ReplayQueue?
    /// Bytes of history that may wait in the channel at once: replays take at most this share of
    /// the outbound buffer, so live traffic keeps the rest (`WS_OUTBOUND_BUFFER_BYTES` / 2).
    let replayBudget: Int
    /// A replay that cannot write for this long (the client stopped reading) closes with 4008.
    let replayStallTimeout: TimeAmount
    private let metrics: GatewayMetrics
    /// The code of the first close frame sent (the server's, or the echo of the client's): the
    /// `code` this connection is counted under when it ends (1006 without one).
    private var closeCode: CloseCode?

    init(
        machine: WebSocketStateMachine, timer: LoopTimer, metrics: GatewayMetrics = GatewayMetrics(),
        replayBudget: Int = 512 * 1024, replayStallTimeout: TimeAmount = .seconds(30)
    ) {
        self.machine = machine
        self.timer = timer
        self.metrics = metrics
        self.replayBudget = max(1, replayBudget)
        self.replayStallTimeout = replayStallTimeout
    }

    private var allocator: ByteBufferAllocator { ServerFrames.allocator }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        writable = context.channel.isWritable
        timer.add(self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        timer.remove(self)
        endReplay()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let opcode = UInt8(webSocketOpcode: frame.opcode)
        metrics.framesReceived[Int(opcode & 0xF)].increment()
        let received = WebSocketStateMachine.Frame(
            fin: frame.fin, reservedBits: frame.reservedBits.rawValue, opcode: opcode,
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
        metrics.closed(closeCode ?? .abnormalClosure)
        machine.channelClosed()
        timer.remove(self)
        endReplay()
        let session = self.session
        self.session = nil
        session?.ended()
        context.fireChannelInactive()
    }

    // MARK: Writing (event loop only)

    /// Writes a complete server frame, unless the connection is closing or closed. A client that
    /// does not read (the kernel's send buffer full and the channel's pending bytes over the
    /// high-water mark, `WS_OUTBOUND_BUFFER_BYTES`) is closed with 4008 and gets nothing more.
    /// `true` if the frame was written (the caller counts it).
    @discardableResult
    func write(_ frame: ByteBuffer) -> Bool {
        guard machine.isOpen, let context else { return false }
        guard writable else {
            close(code: .slowConsumer, reason: "slow consumer: outbound buffer overflowed")
            return false
        }
        context.write(wrapOutboundOut(frame), promise: nil)
        unflushed += 1
        if unflushed >= Self.flushEvery { flush() }
        return true
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

    // MARK: History replay (event loop only)

    /// Queues a page of history (JSON payloads) behind what was written before. The frames go to
    /// the channel while less than `replayBudget` bytes of history wait there, the rest as the
    /// socket takes them: a replay never pushes a reading client over its high-water mark, and
    /// one that does not read holds at most a page and the budget. `done` succeeds once the last
    /// frame is in the channel, or with `false` when the connection ends first.
    func writeReplay(_ payloads: [ByteBuffer], done: EventLoopPromise<Bool>) {
        guard machine.isOpen, context != nil else { return done.succeed(false) }
        guard !payloads.isEmpty else { return done.succeed(true) }
        let queue = replay ?? ReplayQueue()
        replay = queue
        for (index, payload) in payloads.enumerated() {
            queue.frames.append((ServerFrames.text(payload, allocator: allocator), index == payloads.count - 1 ? done : nil))
        }
        pumpReplay()
    }

    private func pumpReplay() {
        guard let context, let queue = replay else { return }
        queue.pumpScheduled = false
        guard machine.isOpen else { return endReplay() }
        var wrote = 0
        var bytes = 0
        while queue.inFlight < replayBudget, let next = queue.frames.popFirst() {
            let size = next.frame.readableBytes
            queue.inFlight += size
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenComplete { _ in self.replayWritten(size) }
            context.write(wrapOutboundOut(next.frame), promise: written)
            next.pageDone?.succeed(true)
            wrote += 1
            bytes += size
        }
        metrics.textWritten(frames: wrote, bytes: bytes, deliveries: wrote)
        if queue.frames.isEmpty {
            queue.stall?.cancel()
            queue.stall = nil
            if queue.inFlight == 0 { replay = nil }
        } else if wrote > 0 || queue.stall == nil {
            queue.stall?.cancel()
            queue.stall = context.eventLoop.scheduleTask(in: replayStallTimeout) {
                self.close(code: .slowConsumer, reason: "slow consumer: history replay not read")
            }
        }
        if wrote > 0 { flush() }
    }

    /// A history frame left the channel: room for the next ones (pumped in a task of their own,
    /// not inside the flush that wrote this one).
    private func replayWritten(_ size: Int) {
        guard let queue = replay else { return }
        queue.inFlight -= size
        if queue.frames.isEmpty {
            if queue.inFlight == 0 { replay = nil }
            return
        }
        guard !queue.pumpScheduled, let context else { return }
        queue.pumpScheduled = true
        context.eventLoop.execute { self.pumpReplay() }
    }

    /// The connection ends: pending pages are dropped and their replays told so.
    private func endReplay() {
        guard let queue = replay else { return }
        replay = nil
        queue.stall?.cancel()
        while let next = queue.frames.popFirst() { next.pageDone?.succeed(false) }
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
            let pong = ServerFrames.pong(payload, allocator: allocator)
            count(pong, as: metrics.pongFramesSent)
            context.write(wrapOutboundOut(pong), promise: nil)
            unflushed += 1
            if unflushed >= Self.flushEvery { flush() }
        case .sendPing:
            let ping = ServerFrames.ping(allocator: allocator)
            count(ping, as: metrics.pingFramesSent)
            context.writeAndFlush(wrapOutboundOut(ping), promise: nil)
        case .sendClose(let close):
            unflushed = 0
            if close.code == .slowConsumer { metrics.slowConsumerCloses.increment() }
            context.writeAndFlush(wrapOutboundOut(closeFrame(close)), promise: nil)
        case .closeConnection(let close):
            unflushed = 0
            timer.remove(self)
            endReplay()
            guard let close else { return context.close(promise: nil) }
            // The close frame, then FIN once it is written; the client answers by closing its side
            // (`inputClosed`). Closing at once instead would reset the connection if unread input
            // is left, and the reset can destroy the close frame before the client reads it.
            draining = true
            context.write(wrapOutboundOut(closeFrame(close)), promise: nil)
            context.flush()
            context.close(mode: .output, promise: nil)
            let channel = context.channel
            context.eventLoop.scheduleTask(in: machine.configuration.closeTimeout) { channel.close(promise: nil) }
        }
    }

    /// The close frame for `close`, counted; the first one sent names the connection's close code.
    private func closeFrame(_ close: WebSocketStateMachine.Close) -> ByteBuffer {
        if closeCode == nil { closeCode = close.code }
        let frame = ServerFrames.close(code: close.code, reason: close.reason, allocator: allocator)
        count(frame, as: metrics.closeFramesSent)
        return frame
    }

    /// Counts a control frame this handler writes itself.
    private func count(_ frame: ByteBuffer, as counter: Counter) {
        counter.increment()
        metrics.sentBytes.increment(by: Int64(frame.readableBytes))
    }

    // MARK: Time

    /// Called by the loop's `LoopTimer`: acts on a deadline that has passed.
    func tick(now: NIODeadline) {
        guard let context, let next = machine.nextDeadline, now >= next else { return }
        perform(machine.timerFired(now: now), context: context, now: now)
    }
}

/// The history frames of a socket's replays that wait for room (`WebSocketHandler.writeReplay`).
private final class ReplayQueue {
    /// Frames not yet in the channel; the last of each page carries the page's promise.
    var frames = CircularBuffer<(frame: ByteBuffer, pageDone: EventLoopPromise<Bool>?)>()
    /// Bytes of history handed to the channel and not yet written to the socket.
    var inFlight = 0
    var pumpScheduled = false
    /// Closes the connection if the replay makes no progress for `replayStallTimeout`.
    var stall: Scheduled<Void>?
}
