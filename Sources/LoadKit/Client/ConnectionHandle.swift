import NIOCore

/// The driver's handle on one open load connection; every operation runs on the connection's
/// event loop.
public struct ConnectionHandle: Sendable {
    /// The client's number in the run.
    public let index: Int
    let channel: Channel
    let loopIndex: Int
    let handler: NIOLoopBound<LoadClientHandler>

    var eventLoop: EventLoop { channel.eventLoop }

    /// Joins `roomID` and waits for `joined`; returns its `last_seq`. `tracker` continues the check
    /// of a stream this client saw before it disconnected (resume).
    public func join(roomID: Int64, sinceSeq: Int64? = nil, tracker: SequenceTracker? = nil, timeout: TimeAmount = .seconds(15)) async throws -> Int64 {
        let handler = self.handler
        let loop = eventLoop
        let future = loop.flatSubmit {
            handler.value.join(roomID: roomID, sinceSeq: sinceSeq, tracker: tracker, eventLoop: loop)
        }
        let timer = loop.scheduleTask(in: timeout) { handler.value.abandonJoin(roomID: roomID) }
        defer { timer.cancel() }
        return try await future.get()
    }

    /// The per-room stream checks of this connection so far.
    public func trackers() async throws -> [Int64: SequenceTracker] {
        let handler = self.handler
        return try await eventLoop.submit { handler.value.trackers }.get()
    }

    /// Whether the socket is still open.
    public var isActive: Bool { channel.isActive }

    /// Closes from this side and waits until the socket is gone.
    public func close() async {
        let handler = self.handler
        let closed = try? await eventLoop.submit { () -> EventLoopFuture<Void> in
            handler.value.close()
            return handler.value.closed.futureResult
        }.get()
        try? await closed?.get()
    }
}
