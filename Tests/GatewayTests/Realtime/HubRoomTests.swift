import NIOCore
import NIOEmbedded
import Testing

@testable import Gateway

/// A room's fan-out on embedded channels: in-step members share one fan-out per loop, a joining
/// member holds what arrives, a member ahead of the stream gets only what is after its cursor,
/// and a removed member gets nothing more.
@Suite struct HubRoomTests {
    private final class Client {
        let channel: EmbeddedChannel
        let connection: ClientConnection

        init(id: UInt64, userID: Int64, loop: EmbeddedEventLoop, writer: LoopWriter) throws {
            channel = EmbeddedChannel(loop: loop)
            let socket = WebSocketHandler(machine: WebSocketStateMachine(configuration: .init(), now: .now()), timer: writer.timer)
            try channel.pipeline.syncOperations.addHandler(socket)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            let identity = Identity(userID: userID, username: "u\(userID)", tokenID: "t\(id)", expiresAt: 0)
            connection = ClientConnection(id: id, identity: identity, rate: 100, burst: 100, socket: socket, writer: writer)
        }

        /// The payloads written to the socket (text frames of under 126 bytes), in order.
        func received() throws -> [String] {
            var texts: [String] = []
            while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
                buffer.moveReaderIndex(forwardBy: 2)
                texts.append(String(buffer: buffer))
            }
            return texts
        }
    }

    private func deliveries(_ seqs: ClosedRange<Int64>) -> [RoomStreamStateMachine.Delivery] {
        seqs.map { .init(seq: $0, frame: ByteBuffer(string: "m\($0)")) }
    }

    @Test func inStepMembers_getEveryMessage_aheadMembersOnlyAfterTheirCursor_joiningOnesHold() throws {
        let loop = EmbeddedEventLoop()
        let writer = LoopWriter(loop: loop)
        let first = try Client(id: 1, userID: 1, loop: loop, writer: writer)
        let ahead = try Client(id: 2, userID: 2, loop: loop, writer: writer)
        let joining = try Client(id: 3, userID: 3, loop: loop, writer: writer)
        let room = HubRoom()
        room.addJoining(first.connection)
        _ = room.stream.start(lastSeq: 0)
        #expect(room.goLive(first.connection, lastSeq: 0))
        room.addJoining(ahead.connection)
        #expect(room.goLive(ahead.connection, lastSeq: 2))  // its join saw seq 2 before the stream did
        room.addJoining(joining.connection)

        for delivery in deliveries(1...3) { room.deliver(room.stream.received(seq: delivery.seq, frame: delivery.frame).deliver) }
        loop.run()
        #expect(try first.received() == ["m1", "m2", "m3"])
        #expect(try ahead.received() == ["m3"])
        #expect(try joining.received().isEmpty)

        #expect(room.goLive(joining.connection, lastSeq: 1))  // held 1...3; its join answered 1
        room.deliver(room.stream.received(seq: 4, frame: ByteBuffer(string: "m4")).deliver)
        loop.run()
        #expect(try joining.received() == ["m2", "m3", "m4"])
        #expect(try ahead.received() == ["m4"])

        #expect(room.remove(first.connection))
        room.deliver(room.stream.received(seq: 5, frame: ByteBuffer(string: "m5")).deliver)
        loop.run()
        #expect(try first.received() == ["m4"])
        #expect(try ahead.received() == ["m5"])
        #expect(room.count == 2)
    }

    @Test func presenceAndTyping_skipTheUsersOwnConnections_andAreHeldForJoiningOnes() throws {
        let loop = EmbeddedEventLoop()
        let writer = LoopWriter(loop: loop)
        let sender = try Client(id: 1, userID: 7, loop: loop, writer: writer)
        let other = try Client(id: 2, userID: 8, loop: loop, writer: writer)
        let room = HubRoom()
        room.addJoining(sender.connection)
        _ = room.stream.start(lastSeq: 0)
        _ = room.goLive(sender.connection, lastSeq: 0)
        room.addJoining(other.connection)
        room.broadcast(ByteBuffer(string: "typing"), except: 7)
        loop.run()
        #expect(try sender.received().isEmpty)
        #expect(try other.received().isEmpty)
        _ = room.goLive(other.connection, lastSeq: 0)
        loop.run()
        #expect(try other.received() == ["typing"])
    }
}
