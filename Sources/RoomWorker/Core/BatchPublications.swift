import ClusterKit
import NIOCore

/// What a batch publishes once it is committed, encoded while Postgres commits it (off the
/// worker's actor, on another core): each message's client frame (kept in the room's tail) and
/// its room event as a ready `PUBLISH chorus:r:<room>` command.
struct BatchPublications: Sendable {
    /// The `message` frame of each message of the batch, in batch order.
    let frames: [ByteBuffer]
    /// The RESP `PUBLISH` commands of the room events, one per message, back to back.
    let events: ByteBuffer
    /// Where each message's command ends in `events`.
    let eventEnds: [Int]

    init(_ messages: [ChatMessage], names: ChannelNames) {
        var frames: [ByteBuffer] = []
        frames.reserveCapacity(messages.count)
        var events = ByteBufferAllocator().buffer(capacity: messages.count * 400)
        var eventEnds: [Int] = []
        eventEnds.reserveCapacity(messages.count)
        var payload = ByteBufferAllocator().buffer(capacity: 512)
        var channel: (roomID: Int64, name: String)?
        for message in messages {
            let frame = ServerFrame.message(message)
            frames.append(frame)
            payload.clear()
            ClusterMessage.event(roomID: message.roomID, .message(seq: message.seq, frame: frame)).encode(into: &payload)
            if channel?.roomID != message.roomID { channel = (message.roomID, names.room(message.roomID)) }
            RESPWriter.writePublish(channel: channel!.name, payload: payload, into: &events)
            eventEnds.append(events.writerIndex)
        }
        self.frames = frames
        self.events = events
        self.eventEnds = eventEnds
    }

    /// The event command of message `index`.
    func event(_ index: Int) -> ByteBuffer {
        let start = index == 0 ? events.readerIndex : eventEnds[index - 1]
        return events.getSlice(at: start, length: eventEnds[index] - start)!
    }
}
