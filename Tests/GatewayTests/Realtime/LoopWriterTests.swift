import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import Gateway

/// The batched outbound path on an embedded channel: order, the close after the frames before it,
/// nothing after the close, one flush per batch, and the slow-consumer close.
@Suite struct LoopWriterTests {
    private final class Closes: Sendable {
        let codes = Mutex<[UInt16]>([])
    }

    private func connectedSocket(loop: EmbeddedEventLoop = EmbeddedEventLoop()) throws -> (EmbeddedChannel, ClientSocket, Closes) {
        let channel = EmbeddedChannel(loop: loop)
        let closes = Closes()
        let socket = ClientSocket(channel: channel) { code, _ in closes.codes.withLock { $0.append(code) } }
        try channel.pipeline.syncOperations.addHandler(socket, position: .first)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, socket, closes)
    }

    private func written(_ channel: EmbeddedChannel) throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            frames.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
        }
        return frames
    }

    @Test func framesLeaveInOrder_theCloseAfterThem_andNothingAfterTheClose() throws {
        let (channel, socket, closes) = try connectedSocket()
        let writer = LoopWriter(loop: channel.embeddedEventLoop)
        writer.send(ByteBuffer(string: "a"), to: socket)
        writer.send(ByteBuffer(string: "bb"), to: socket)
        writer.close(socket, code: 4001, reason: "token revoked")
        writer.send(ByteBuffer(string: "late"), to: socket)
        writer.close(socket, code: 1000, reason: "")
        #expect(try written(channel).isEmpty)  // nothing before the loop runs the batch
        channel.embeddedEventLoop.run()
        #expect(try written(channel) == [[0x81, 1, 0x61], [0x81, 2, 0x62, 0x62]])
        #expect(closes.codes.withLock { $0 } == [4001])
    }

    @Test func socketsOfOneLoop_shareABatch_eachGetsItsOwnFramesInOrder() throws {
        let loop = EmbeddedEventLoop()
        let (first, firstSocket, _) = try connectedSocket(loop: loop)
        let (second, secondSocket, _) = try connectedSocket(loop: loop)
        let (closed, closedSocket, _) = try connectedSocket(loop: loop)
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
        let (channel, socket, closes) = try connectedSocket()
        let writer = LoopWriter(loop: channel.embeddedEventLoop)
        channel.isWritable = false
        writer.send(ByteBuffer(string: "a"), to: socket)
        channel.embeddedEventLoop.run()
        channel.isWritable = true
        writer.send(ByteBuffer(string: "b"), to: socket)
        channel.embeddedEventLoop.run()
        #expect(try written(channel).isEmpty)
        #expect(closes.codes.withLock { $0 } == [ClientSocket.slowConsumer])
    }
}
