import NIOCore
import Synchronization

/// One `LoopWriter` per event loop of the gateway's sockets, made on first use.
final class LoopWriters: Sendable {
    /// See `GatewayConfig.flushInterval`.
    let flushInterval: Duration
    private let writers = Mutex<[ObjectIdentifier: LoopWriter]>([:])

    init(flushInterval: Duration = .zero) {
        self.flushInterval = flushInterval
    }

    func writer(for loop: any EventLoop) -> LoopWriter {
        writers.withLock { writers in
            if let writer = writers[ObjectIdentifier(loop)] { return writer }
            let writer = LoopWriter(loop: loop, flushInterval: flushInterval)
            writers[ObjectIdentifier(loop)] = writer
            return writer
        }
    }
}
