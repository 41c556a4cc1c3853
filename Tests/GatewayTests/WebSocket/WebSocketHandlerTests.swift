import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import Gateway

/// The handler's own answers are bounded too.
@Suite struct WebSocketHandlerTests {
    @Test func aClientThatPingsWithoutReading_isASlowConsumer() throws {
        let channel = EmbeddedChannel()
        let loop = channel.embeddedEventLoop
        let socket = WebSocketHandler(machine: WebSocketStateMachine(configuration: .init(), now: .now()), timer: LoopTimer(loop: loop))
        try channel.pipeline.syncOperations.addHandler(socket)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let ping = WebSocketFrame(fin: true, opcode: .ping, maskKey: [1, 2, 3, 4], data: ByteBuffer(bytes: [0, 0, 0, 0]))
        try channel.writeInbound(ping)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        for _ in 0..<1_000 { try channel.writeInbound(ping) }
        var frames: [ByteBuffer] = []
        while let frame = try channel.readOutbound(as: ByteBuffer.self) { frames.append(frame) }
        #expect(frames.count == 2)  // the first pong, then the 4008 close and nothing more
        #expect(frames.first?.getInteger(at: 0, as: UInt8.self) == 0x8A)
        #expect(frames.last?.getInteger(at: 0, as: UInt8.self) == 0x88)
        #expect(frames.last?.getInteger(at: 2, as: UInt16.self) == 4008)
    }
}
