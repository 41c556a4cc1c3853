import NIOCore
import Synchronization

/// One `LoopWriter` per event loop of the gateway's sockets, made on first use.
final class LoopWriters: Sendable {
    /// See `GatewayConfig.flushInterval`.
    let flushInterval: Duration
    /// Where each writer and its sockets count.
    let metrics: GatewayMetrics
    private let writers = Mutex<[ObjectIdentifier: LoopWriter]>([:])

    init(flushInterval: Duration = .zero, metrics: GatewayMetrics = GatewayMetrics()) {
        self.flushInterval = flushInterval
        self.metrics = metrics
    }

    func writer(for loop: any EventLoop) -> LoopWriter {
        writers.withLock { writers in
            if let writer = writers[ObjectIdentifier(loop)] { return writer }
            let writer = LoopWriter(loop: loop, flushInterval: flushInterval, metrics: metrics)
            writers[ObjectIdentifier(loop)] = writer
            return writer
        }
    }
}
