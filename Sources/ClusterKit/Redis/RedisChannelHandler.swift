import NIOCore

/// A request written to a `RedisChannelHandler`: preformatted RESP bytes holding `replyCount`
/// commands, and the promise completed with their replies (`nil` for subscriber-mode commands whose
/// answers arrive as push messages).
struct RedisRequest {
    var bytes: ByteBuffer
    var replyCount: Int
    var promise: EventLoopPromise<[RedisReply]>?
}

/// The NIO edge of a Redis connection: NIO does the I/O, hiredis parses, nothing blocks.
///
/// Replies complete pending requests in FIFO order. On a subscriber connection (`onPush` set) a reply
/// that no request waits for is a push (`message`, `subscribe`, `pong`, ...) and goes to `onPush`.
/// The handler also watches liveness: a command unanswered for `timeout`, or (subscriber) no answer
/// to a PING for `timeout`, closes the connection so the owner reconnects — a stalled Redis is
/// detected instead of waited on forever.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var remaining: Int
        let promise: EventLoopPromise<[RedisReply]>?
        let sentAt: NIODeadline
    }

    private let parser = RedisReplyParser()
    private var pending = CircularBuffer<Pending>()
    /// The replies of the oldest pending request received so far. Kept here, not in `Pending`:
    /// appending to an array held in a `CircularBuffer` element copied the whole array on every
    /// reply, which made a pipelined write of n commands cost O(n²).
    private var headReplies: [RedisReply] = []
    private let onPush: ((RedisReply) -> Void)?
    private let timeout: TimeAmount
    private let pingInterval: TimeAmount
    private var lastInbound = NIODeadline.now()
    private var pingSentAt: NIODeadline?
    private var livenessTask: RepeatedTask?

    init(timeout: TimeAmount, pingInterval: TimeAmount, onPush: ((RedisReply) -> Void)?) {
        self.timeout = timeout
        self.pingInterval = pingInterval
        self.onPush = onPush
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startLivenessChecks(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startLivenessChecks(context: context)
        context.fireChannelActive()
    }

    private func startLivenessChecks(context: ChannelHandlerContext) {
        guard livenessTask == nil else { return }
        lastInbound = .now()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let interval = min(pingInterval, .milliseconds(250))
        livenessTask = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let (handler, context) = loopBound.value
            handler.checkLiveness(context: context)
        }
    }

    private func checkLiveness(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        if let oldest = pending.first, now - oldest.sentAt > timeout {
            failAll(RedisError.timeout)
            context.close(promise: nil)
            return
        }
        guard onPush != nil else { return }
        if let pingSentAt {
            if now - pingSentAt > timeout {
                context.close(promise: nil)
            }
        } else if now - lastInbound > pingInterval {
            var buffer = context.channel.allocator.buffer(capacity: 14)
            RESPWriter.write(["PING"], into: &buffer)
            pingSentAt = now
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if request.replyCount > 0 || request.promise != nil {
            pending.append(Pending(remaining: request.replyCount, promise: request.promise, sentAt: .now()))
        }
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastInbound = .now()
        pingSentAt = nil
        do {
            try parser.feed(unwrapInboundIn(data))
            while let reply = try parser.next() {
                deliver(reply)
            }
        } catch {
            failAll(error)
            context.close(promise: nil)
        }
    }

    private func deliver(_ reply: RedisReply) {
        guard let head = pending.first else {
            onPush?(reply)
            return
        }
        if head.promise != nil {
            if headReplies.isEmpty { headReplies.reserveCapacity(head.remaining) }
            headReplies.append(reply)
        }
        if head.remaining > 1 {
            pending[pending.startIndex].remaining = head.remaining - 1
        } else {
            let done = pending.removeFirst()
            let replies = headReplies
            headReplies = []
            done.promise?.succeed(replies)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        livenessTask?.cancel()
        livenessTask = nil
        failAll(RedisError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        headReplies = []
        while let next = pending.popFirst() {
            next.promise?.fail(error)
        }
    }
}
