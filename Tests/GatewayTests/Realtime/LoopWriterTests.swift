import NIOCore
import NIOEmbedded
import Testing

@testable import Gateway

/// The batched outbound path on an embedded channel: order, the close after the frames before it,
/// nothing after the close, and the slow-consumer close.
@Suite struct LoopWriterTests {
    private func connectedSocket(loop: EmbeddedEventLoop = EmbeddedEventLoop()) throws -> (EmbeddedChannel, WebSocketHandler) {
        let channel = EmbeddedChannel(loop: loop)
        let machine = WebSocketStateMachine(configuration: .init(), now: .now())
        let socket = WebSocketHandler(machine: machine, timer: LoopTimer(loop: loop))
        try channel.pipeline.syncOperations.addHandler(socket)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, socket)
    }

    private func written(_ channel: EmbeddedChannel) throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            frames.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
        }
        return frames
    }

    /// A close frame's first four bytes: FIN + opcode 8, the length, the code.
    private func closeHeader(_ frame: [UInt8]) -> [UInt8] { Array(frame.prefix(4)) }

    @Test func framesLeaveInOrder_theCloseAfterThem_andNothingAfterTheClose() throws {
        let (channel, socket) = try connectedSocket()
        let writer = LoopWriter(loop: channel.embeddedEventLoop)
        writer.send(ByteBuffer(string: "a"), to: socket)
        writer.send(ByteBuffer(string: "bb"), to: socket)
        writer.close(socket, code: .tokenRevoked, reason: "token revoked")
        writer.send(ByteBuffer(string: "late"), to: socket)
        writer.close(socket, code: .normal, reason: "")
        #expect(try written(channel).isEmpty)  // nothing before the loop runs the batch
        channel.embeddedEventLoop.run()
        let frames = try written(channel)
        #expect(Array(frames.prefix(2)) == [[0x81, 1, 0x61], [0x81, 2, 0x62, 0x62]])
        #expect(frames.count == 3)
        #expect(closeHeader(frames[2]) == [0x88, 15, 0x0F, 0xA1])  // 4001 "token revoked"
    }

    @Test func socketsOfOneLoop_shareABatch_eachGetsItsOwnFramesInOrder() throws {
        let loop = EmbeddedEventLoop()
        let (first, firstSocket) = try connectedSocket(loop: loop)
        let (second, secondSocket) = try connectedSocket(loop: loop)
        let (closed, closedSocket) = try connectedSocket(loop: loop)
        try closed.close().wait()
        let writer = LoopWriter(loop: loop)
        let message = ByteBuffer(string: #"{"type":"message","seq":1}"#)
        for socket in [firstSocket, secondSocket, closedSocket] { writer.send(message, to: socket) }
        writer.send(ByteBuffer(string: "1"), to: firstSocket)
        writer.send(ByteBuffer(string: "2"), to: secondSocket)
        loop.run()
        let framed = [0x81, UInt8(message.readableBytes)] + Array(message.readableBytesView)
        #expect(try written(first) == [framed, [0x81, 1, 0x31]])
        #expect(try written(second) == [framed, [0x81, 1, 0x32]])
        #expect(try written(closed).isEmpty)
    }

    @Test func aClientThatDoesNotRead_isClosedWith4008_andGetsNothingMore() throws {
        let (channel, socket) = try connectedSocket()
        let writer = LoopWriter(loop: channel.embeddedEventLoop)
        channel.isWritable = false  // over the high-water mark, as a real channel tells its handlers
        channel.pipeline.fireChannelWritabilityChanged()
        writer.send(ByteBuffer(string: "a"), to: socket)
        channel.embeddedEventLoop.run()
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        writer.send(ByteBuffer(string: "b"), to: socket)
        channel.embeddedEventLoop.run()
        let frames = try written(channel)
        #expect(frames.count == 1)
        #expect(closeHeader(frames[0]) == [0x88, UInt8(frames[0].count - 2), 0x0F, 0xA8])  // 4008, then nothing
        #expect(channel.isActive)  // it keeps the socket for the grace period, to read its close
    }
}
