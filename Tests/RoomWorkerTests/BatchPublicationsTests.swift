import ClusterKit
import NIOCore
import Testing

@testable import RoomWorker

@Suite struct BatchPublicationsTests {
    let names = ChannelNames(cluster: "t")

    func message(room: Int64, seq: Int64) -> ChatMessage {
        ChatMessage(roomID: room, seq: seq, userID: 7, username: "u", content: "hello \(seq)", clientMessageID: "c\(seq)", sentAt: 1_000)
    }

    /// Every message's event is one `PUBLISH t:r:<room> <event>` with the message's frame, sliced out
    /// of the shared buffer in batch order.
    @Test func eachMessageGetsItsFrameAndItsPublishCommand() throws {
        let messages = [message(room: 1, seq: 4), message(room: 2, seq: 1), message(room: 1, seq: 5)]
        let prepared = BatchPublications(messages, names: names)
        #expect(prepared.frames == messages.map(ServerFrame.message))
        for (index, message) in messages.enumerated() {
            let event = ClusterMessage.event(roomID: message.roomID, .message(seq: message.seq, frame: ServerFrame.message(message)))
            var expected = ByteBuffer()
            RESPWriter.write(["PUBLISH", .string(names.room(message.roomID)), .bytes(event.encoded())], into: &expected)
            #expect(prepared.event(index) == expected)
        }
        #expect(prepared.eventEnds.last == prepared.events.writerIndex)
    }

    @Test func writePublish_matchesTheGenericWriter() {
        var direct = ByteBuffer()
        RESPWriter.writePublish(channel: "t:g:gateway-1", payload: ByteBuffer(string: "payload\r\n"), into: &direct)
        var generic = ByteBuffer()
        RESPWriter.write(["PUBLISH", "t:g:gateway-1", .bytes(ByteBuffer(string: "payload\r\n"))], into: &generic)
        #expect(direct == generic)
    }
}
