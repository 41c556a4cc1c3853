import NIOCore

/// The one timer of every WebSocket on an event loop: every `interval` it lets each connection
/// check its deadlines (idle ping, pong timeout, token expiry, close handshake).
///
/// One repeated task per loop instead of a scheduled task per connection (about 270 bytes each
/// with the scheduler's queue entry) is what idle sockets cost least with; the price is that
/// deadlines are met to within `interval`. Event loop only, hence `@unchecked Sendable`.
final class LoopTimer: @unchecked Sendable {
    let loop: any EventLoop
    let interval: TimeAmount
    private var handlers: [WebSocketHandler] = []
    private var task: RepeatedTask?

    init(loop: any EventLoop, interval: TimeAmount = .seconds(1)) {
        self.loop = loop
        self.interval = interval
    }

    /// Starts ticking `handler` (event loop only).
    func add(_ handler: WebSocketHandler) {
        guard handler.timerIndex == nil else { return }
        handler.timerIndex = handlers.count
        handlers.append(handler)
        if task == nil {
            task = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in tick() }
        }
    }

    /// Stops ticking `handler` (event loop only).
    func remove(_ handler: WebSocketHandler) {
        guard let index = handler.timerIndex, index < handlers.count, handlers[index] === handler else { return }
        let last = handlers.removeLast()
        if index < handlers.count {
            handlers[index] = last
            last.timerIndex = index
        }
        handler.timerIndex = nil
        if handlers.isEmpty {
            task?.cancel()
            task = nil
        }
    }

    private func tick() {
        let now = NIODeadline.now()
        // A tick may close connections, which removes them: walk a snapshot.
        for handler in handlers {
            handler.tick(now: now)
        }
    }
}
