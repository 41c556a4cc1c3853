import NIOCore

/// One load-test WebSocket connection as a single channel handler: it writes the upgrade, reads
/// frames straight from the read buffers, checks every `message` against its per-room
/// `SequenceTracker`, and counts into its event loop's `LoopStats`. No HTTP codec, no per-frame
/// allocation beyond the read buffer, no JSON decoder: the harness must stay cheaper than the
/// server it measures.
final class LoadClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State { case connecting, upgrading, open, closed }

    private struct PendingJoin {
        let roomID: Int64
        let sinceSeq: Int64?
        let tracker: SequenceTracker?
        let promise: EventLoopPromise<Int64>
    }

    /// The client's number in the run.
    let index: Int
    private let stats: LoopStats
    private let handshake = WebSocketHandshake()
    /// Dropped once written: a token is a few hundred bytes, times tens of thousands of sockets.
    private var upgradeRequest: String
    private let upgraded: EventLoopPromise<Void>
    private var state = State.connecting
    private var context: ChannelHandlerContext?
    private var cumulation: ByteBuffer?
    /// A fragmented text message being put together (the gateway sends whole frames; be safe).
    private var fragments: ByteBuffer?
    private var pendingJoins: [PendingJoin] = []
    private(set) var trackers: [Int64: SequenceTracker] = [:]
    /// Per room: messages up to this seq are a resume's replay, not live traffic.
    private var replayUpTo: [Int64: Int64] = [:]
    var sender: SenderRole?
    /// Sends answered `unavailable` and resent, by counter: attempts so far.
    private var retries: [UInt64: Int] = [:]
    private var maskState: UInt64
    /// Set when the harness closes the connection itself (not counted as a server close).
    private var closingByUs = false
    private var closeCode: UInt16?
    /// Counted in `stats.openConnections` (from the upgrade until the socket goes).
    private var countedOpen = false
    let closed: EventLoopPromise<Void>

    init(index: Int, stats: LoopStats, gateway: GatewayAddress, token: String, upgraded: EventLoopPromise<Void>, closed: EventLoopPromise<Void>) {
        self.index = index
        self.stats = stats
        self.upgraded = upgraded
        self.closed = closed
        self.maskState = UInt64.random(in: 1...UInt64.max)
        self.upgradeRequest = handshake.request(path: "/v1/ws", host: gateway.authority, token: token)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { sendUpgrade(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        sendUpgrade(context: context)
        context.fireChannelActive()
    }

    private func sendUpgrade(context: ChannelHandlerContext) {
        guard state == .connecting else { return }
        state = .upgrading
        var buffer = context.channel.allocator.buffer(capacity: upgradeRequest.utf8.count)
        buffer.writeString(upgradeRequest)
        upgradeRequest = ""
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if var pending = cumulation {
            cumulation = nil
            pending.writeBuffer(&buffer)
            buffer = pending
        }
        if state == .upgrading {
            guard let answer = handshake.readAnswer(&buffer) else {
                cumulation = ByteBuffer(buffer.readableBytesView)
                return
            }
            switch answer {
            case .upgraded:
                state = .open
                countedOpen = true
                stats.openConnections += 1
                upgraded.succeed()
            case .refused(let status, let retryAfter):
                fail(.upgradeRefused(status: status, retryAfter: retryAfter), context: context)
                return
            case .invalid(let reason):
                fail(.badUpgrade(reason), context: context)
                return
            }
        }
        guard state == .open else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        while state == .open {
            switch WebSocketFrameCodec.parse(&buffer) {
            case .frame(let frame):
                handle(frame, now: now, context: context)
            case .needMoreBytes:
                if buffer.readableBytes > 0 { cumulation = ByteBuffer(buffer.readableBytesView) }
                return
            case .invalid:
                // Not a WebSocket stream we can follow: count it and give up on this socket.
                stats.recordClose(reason: "protocol_error")
                stats.unreadable += 1
                closeByUs(context: context)
                return
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        if countedOpen {
            countedOpen = false
            stats.openConnections -= 1
            if !closingByUs { stats.recordClose(reason: closeCode.map { "close_\($0)" } ?? "eof") }
        }
        upgraded.fail(ClientFailure.closed)
        for join in pendingJoins { join.promise.fail(ClientFailure.closed) }
        pendingJoins = []
        closed.succeed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if state == .open, !closingByUs { stats.recordClose(reason: "socket_error") }
        closingByUs = true
        context.close(promise: nil)
    }

    private func fail(_ failure: ClientFailure, context: ChannelHandlerContext) {
        state = .closed
        upgraded.fail(failure)
        closingByUs = true
        context.close(promise: nil)
    }

    // MARK: Frames

    private func handle(_ frame: WebSocketFrameCodec.Frame, now: UInt64, context: ChannelHandlerContext) {
        switch frame.opcode {
        case .text, .continuation:
            var payload = frame.payload
            if frame.opcode == .continuation || !frame.fin || fragments != nil {
                if frame.opcode == .text { fragments = nil }
                fragments = fragments ?? context.channel.allocator.buffer(capacity: payload.readableBytes)
                fragments!.writeBuffer(&payload)
                guard frame.fin else { return }
                payload = fragments!
                fragments = nil
            }
            let scanned = payload.withUnsafeReadableBytes { FrameScanner.scan($0) }
            guard let scanned else {
                stats.unreadable += 1
                return
            }
            handle(scanned, now: now)
        case .ping:
            write(opcode: .pong, payload: Array(frame.payload.readableBytesView))
        case .close:
            var payload = frame.payload
            closeCode = payload.readInteger(as: UInt16.self) ?? 1005
            if !closingByUs { stats.recordClose(reason: "close_\(closeCode!)") }
            closingByUs = true  // counted here; not again when the socket goes
            write(opcode: .close, payload: closeCode.map { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } ?? [])
            context.close(promise: nil)
        case .pong, .binary:
            break
        }
    }

    private func handle(_ frame: ScannedFrame, now: UInt64) {
        switch frame.kind {
        case .message:
            // In place: no copy of the tracker per delivery.
            guard trackers[frame.roomID]?.record(frame.seq) != nil else {
                stats.unreadable += 1
                return
            }
            let replayed = !replayUpTo.isEmpty && frame.seq <= replayUpTo[frame.roomID, default: 0]
            stats.recordDelivery(sentNanos: frame.sentNanos, now: now, replayed: replayed)
        case .ack:
            if !retries.isEmpty, let counter = frame.clientCounter { retries[counter] = nil }
            stats.recordAck(roomID: frame.roomID, seq: frame.seq, sentNanos: frame.sentNanos, now: now)
        case .joined:
            guard let position = pendingJoins.firstIndex(where: { $0.roomID == frame.roomID }) else { return }
            let join = pendingJoins.remove(at: position)
            if join.sinceSeq != nil { replayUpTo[frame.roomID] = frame.lastSeq }
            trackers[frame.roomID] = join.tracker ?? SequenceTracker(baseline: join.sinceSeq ?? frame.lastSeq)
            join.promise.succeed(frame.lastSeq)
        case .error:
            let code = frame.code ?? "unknown"
            stats.recordError(code: code)
            if frame.ref == "join", !pendingJoins.isEmpty {
                pendingJoins.removeFirst().promise.fail(ClientFailure.joinRefused(code: code))
            } else if let ref = frame.ref, let id = MessageContent.parseClientMessageID(ref), let sender {
                let attempts = retries[id.counter, default: 0] + 1
                if code == "unavailable", attempts <= sender.maximumRetries {
                    retries[id.counter] = attempts
                    stats.recordRetry()
                    scheduleResend(id, ref: ref, role: sender, after: .milliseconds(100 * Int64(attempts)))
                } else {
                    // Refused (not stored, says the contract), or still unavailable after every retry.
                    retries[id.counter] = nil
                    stats.recordRefusal(sentNanos: id.sentNanos, members: sender.members)
                }
            }
        case .roomClosed:
            stats.recordError(code: "room_closed")
        case .presence, .typing, .pong, .left, .other:
            break
        }
    }

    // MARK: Commands (on the event loop)

    /// Joins `roomID`; the future gives `last_seq`. With `tracker` (a resume), that tracker goes on
    /// checking the room's stream; else a new one starts at `sinceSeq` or `last_seq`.
    func join(roomID: Int64, sinceSeq: Int64?, tracker: SequenceTracker?, eventLoop: EventLoop) -> EventLoopFuture<Int64> {
        guard state == .open else { return eventLoop.makeFailedFuture(ClientFailure.closed) }
        let promise = eventLoop.makePromise(of: Int64.self)
        pendingJoins.append(PendingJoin(roomID: roomID, sinceSeq: sinceSeq, tracker: tracker, promise: promise))
        write(opcode: .text, payload: ClientRequest.join(roomID: roomID, sinceSeq: sinceSeq))
        return promise.futureResult
    }

    /// Fails a join still waiting for its answer (after a timeout).
    func abandonJoin(roomID: Int64) {
        guard let position = pendingJoins.firstIndex(where: { $0.roomID == roomID }) else { return }
        pendingJoins.remove(at: position).promise.fail(ClientFailure.timedOut("join"))
    }

    /// Sends the next message of this sender; false if it cannot (not a sender, or closed).
    func sendMessage(now: UInt64) -> Bool {
        guard state == .open, var role = sender else { return false }
        role.counter += 1
        let id = MessageContent.clientMessageID(sender: role.number, counter: role.counter, sentNanos: now)
        write(opcode: .text, payload: ClientRequest.send(roomID: role.roomID, sentNanos: now, contentSize: role.contentSize, clientMessageID: id))
        stats.recordSend(sentNanos: now, members: role.members)
        sender = role
        return true
    }

    /// Resends a send exactly as first sent (same content, same `client_msg_id`), so that its
    /// latencies still count from the first attempt.
    private func scheduleResend(_ id: MessageContent.ClientMessageID, ref: String, role: SenderRole, after delay: TimeAmount) {
        guard let eventLoop = context?.eventLoop else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.scheduleTask(in: delay) {
            let handler = bound.value
            guard handler.state == .open else { return }
            handler.write(
                opcode: .text,
                payload: ClientRequest.send(roomID: role.roomID, sentNanos: id.sentNanos, contentSize: role.contentSize, clientMessageID: ref)
            )
        }
    }

    /// Closes the connection from this side (not counted as a server close).
    func close() {
        guard let context else { return }
        closeByUs(context: context)
    }

    private func closeByUs(context: ChannelHandlerContext) {
        closingByUs = true
        if state == .open { state = .closed }
        context.close(promise: nil)
    }

    private func write(opcode: WebSocketFrameCodec.Opcode, payload: [UInt8]) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: payload.count + 14)
        WebSocketFrameCodec.writeClientFrame(opcode: opcode, payload: payload, maskKey: nextMaskKey(), into: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    /// splitmix64: a fresh masking key per frame without a system call.
    private func nextMaskKey() -> UInt32 {
        maskState &+= 0x9E37_79B9_7F4A_7C15
        var z = maskState
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt32(truncatingIfNeeded: z ^ (z >> 31))
    }
}
