import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// The harness's event loops (few: `--threads`, default 1) with the per-loop statistics, and the
/// way to open load connections on them.
public final class ClientGroup: Sendable {
    let group: MultiThreadedEventLoopGroup
    let loops: [any EventLoop]
    let contexts: [NIOLoopBound<LoopContext>]
    /// Kernel thread ids of the event loops (their CPU is read from /proc/self/task).
    public let threadIDs: [Int32]

    public static func start(threads: Int) async throws -> ClientGroup {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let loops = Array(group.makeIterator())
        var contexts: [NIOLoopBound<LoopContext>] = []
        var threadIDs: [Int32] = []
        for loop in loops {
            contexts.append(try await loop.submit { NIOLoopBound(LoopContext(), eventLoop: loop) }.get())
            threadIDs.append(try await loop.submit { ProcessSampler.currentThreadID() }.get())
        }
        return ClientGroup(group: group, loops: loops, contexts: contexts, threadIDs: threadIDs)
    }

    private init(group: MultiThreadedEventLoopGroup, loops: [any EventLoop], contexts: [NIOLoopBound<LoopContext>], threadIDs: [Int32]) {
        self.group = group
        self.loops = loops
        self.contexts = contexts
        self.threadIDs = threadIDs
    }

    public var threads: Int { loops.count }

    /// Opens client `index`'s WebSocket to `gateway` (from `source` when given) and waits for the
    /// upgrade. Throws `ClientFailure.upgradeRefused` for a non-101 answer (503 when the gateway
    /// sheds a connection storm).
    public func connect(
        index: Int, gateway: GatewayAddress, address: SocketAddress, source: SocketAddress?, token: String
    ) async throws -> ConnectionHandle {
        let loopIndex = index % loops.count
        let loop = loops[loopIndex]
        let context = contexts[loopIndex]
        let upgraded = loop.makePromise(of: Void.self)
        let closed = loop.makePromise(of: Void.self)
        var bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        if let source {
            // Let connect() pick the port for the whole 4-tuple: every source address then has
            // its own ephemeral range per gateway, which is how a client passes 64k connections.
            bootstrap = bootstrap
                .channelOption(
                    ChannelOptions.Types.SocketOption(level: .init(rawValue: Int32(IPPROTO_IP)), name: .init(rawValue: Self.ipBindAddressNoPort)),
                    value: 1
                )
                .bind(to: source)
        }
        bootstrap = bootstrap.channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let handler = LoadClientHandler(
                    index: index, stats: context.value.stats, gateway: gateway, token: token, upgraded: upgraded, closed: closed
                )
                try channel.pipeline.syncOperations.addHandler(handler)
            }
        }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(to: address).get()
        } catch {
            upgraded.fail(error)
            closed.succeed()
            throw error
        }
        let timer = loop.scheduleTask(in: .seconds(15)) {
            upgraded.fail(ClientFailure.timedOut("upgrade"))
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            try await upgraded.futureResult.get()
        } catch {
            channel.close(promise: nil)
            throw error
        }
        let handler = try await loop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: LoadClientHandler.self), eventLoop: loop)
        }.get()
        return ConnectionHandle(index: index, channel: channel, loopIndex: loopIndex, handler: handler)
    }

    /// `IP_BIND_ADDRESS_NO_PORT` (Linux 4.2+).
    static let ipBindAddressNoPort: Int32 = 24

    /// The counters of every loop since the last call, merged.
    public func takeInterval() async -> TrafficCounters {
        var all: [TrafficCounters] = []
        for (loop, context) in zip(loops, contexts) {
            if let interval = try? await loop.submit({ context.value.stats.takeInterval() }).get() { all.append(interval) }
        }
        return TrafficCounters.merged(all)
    }

    /// Connections open right now.
    public func openConnections() async -> Int {
        var open = 0
        for (loop, context) in zip(loops, contexts) {
            open += (try? await loop.submit({ context.value.stats.openConnections }).get()) ?? 0
        }
        return open
    }

    /// Starts measuring `window` on every loop.
    public func startWindow(_ window: MeasureWindow) async {
        for (loop, context) in zip(loops, contexts) {
            try? await loop.submit({ context.value.stats.startWindow(window) }).get()
        }
    }

    /// The cumulative counters of every loop, merged.
    public func snapshot() async -> LoopSnapshot {
        var total = LoopSnapshot()
        for (loop, context) in zip(loops, contexts) {
            let snapshot = try? await loop.submit { () -> LoopSnapshot in
                let stats = context.value.stats
                var snapshot = LoopSnapshot()
                snapshot.measured = stats.measured
                snapshot.deliveredInWindow = stats.deliveredInWindow
                snapshot.lastAckedSeq = stats.lastAckedSeq
                snapshot.openConnections = stats.openConnections
                snapshot.closes = stats.closes
                snapshot.unreadable = stats.unreadable
                snapshot.allErrors = stats.allErrors
                return snapshot
            }.get()
            if let snapshot { total.merge(snapshot) }
        }
        return total
    }

    /// Makes `senders` send `ratePerSecond` messages per second in total, round-robin, from
    /// `startNanos` until `endNanos` (monotonic). Each loop paces its own senders with a share of
    /// the rate proportional to how many of them it has.
    public func startSending(_ senders: [(handle: ConnectionHandle, role: SendSpec)], ratePerSecond: Double, startNanos: UInt64, endNanos: UInt64) async throws {
        let total = senders.count
        guard total > 0 else { return }
        for (loopIndex, loop) in loops.enumerated() {
            let mine = senders.filter { $0.handle.loopIndex == loopIndex }
            guard !mine.isEmpty else { continue }
            let handlers = mine.map(\.handle.handler)
            let specs = mine.map(\.role)
            let context = contexts[loopIndex]
            let share = ratePerSecond * Double(mine.count) / Double(total)
            try await loop.submit {
                let stats = context.value.stats
                var loopHandlers: [LoadClientHandler] = []
                for (handler, spec) in zip(handlers, specs) {
                    let handler = handler.value
                    let counter = handler.sender?.counter ?? 0
                    handler.sender = SenderRole(
                        roomID: spec.roomID, members: spec.members, number: spec.number, contentSize: spec.contentSize,
                        maximumRetries: spec.maximumRetries, counter: counter
                    )
                    loopHandlers.append(handler)
                }
                context.value.pacer?.stop()
                let pacer = SendPacer(
                    schedule: RateSchedule(startNanos: startNanos, ratePerSecond: share), endNanos: endNanos,
                    senders: loopHandlers, stats: stats
                )
                context.value.pacer = pacer
                pacer.start(on: loop)
            }.get()
        }
    }

    /// Stops every pacer now.
    public func stopSending() async {
        for (loop, context) in zip(loops, contexts) {
            try? await loop.submit {
                context.value.pacer?.stop()
                context.value.pacer = nil
            }.get()
        }
    }

    public func shutdown() async {
        try? await group.shutdownGracefully()
    }
}
