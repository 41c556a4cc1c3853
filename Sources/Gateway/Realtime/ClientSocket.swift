import NIOCore

/// The fast outbound path of one WebSocket: a handler at the front of the channel's pipeline
/// through which `LoopWriter` writes complete, pre-encoded server frames straight to the socket.
///
/// Frames written here skip the WebSocket encoder and everything else in the pipeline, and they
/// need no task of their own: the writer of the socket's event loop writes them in batches. The
/// state is touched only on the channel's event loop (`LoopWriter.drain`), hence `@unchecked`.
final class ClientSocket: ChannelOutboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The close code for a client that does not read.
    static let slowConsumer: UInt16 = 4008

    let channel: any Channel
    /// Runs (on the event loop) when a close was asked for, after every frame queued before it.
    let onClose: @Sendable (UInt16, String) -> Void
    /// Where `LoopWriter` writes; `nil` until the handler is in the pipeline.
    private var context: ChannelHandlerContext?
    /// Nothing more is written: the close was handed on, or the buffer overflowed.
    private(set) var stopped = false
    /// Written to since the last flush.
    var needsFlush = false

    init(channel: any Channel, onClose: @escaping @Sendable (UInt16, String) -> Void) {
        self.channel = channel
        self.onClose = onClose
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Writes a complete WebSocket frame, unless the connection is closing or closed. A client that
    /// does not read (the kernel's send buffer full and the channel's pending bytes over the
    /// high-water mark, the outbound limit) is closed with 4008 and gets nothing more. Event loop only.
    func write(_ frame: ByteBuffer) {
        guard !stopped, let context, channel.isActive else { return }
        guard channel.isWritable else {
            return close(code: Self.slowConsumer, reason: "slow consumer: outbound buffer overflowed")
        }
        context.write(wrapOutboundOut(frame), promise: nil)
        needsFlush = true
    }

    func flush() {
        needsFlush = false
        context?.flush()
    }

    /// Writes nothing more and hands the close on. Event loop only.
    func close(code: UInt16, reason: String) {
        guard !stopped else { return }
        stopped = true
        onClose(code, reason)
    }
}
