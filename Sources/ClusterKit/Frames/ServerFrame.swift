import NIOCore

/// The server → client WebSocket frames of the contract, encoded once and then written as-is to
/// every recipient (a message is encoded once per room by its owner worker, not once per recipient).
public enum ServerFrame {
    public static func message(_ message: ChatMessage) -> ByteBuffer {
        var json = JSONWriter(capacity: 160 + message.content.utf8.count)
        json.field("type", "message")
        json.field("room_id", message.roomID)
        json.field("seq", message.seq)
        json.field("user_id", message.userID)
        json.field("username", message.username)
        json.field("content", message.content)
        json.field("client_msg_id", message.clientMessageID)
        json.field("sent_at", Timestamp.format(millisecondsSince1970: message.sentAt))
        return json.finish()
    }

    public static func joined(roomID: Int64, lastSeq: Int64) -> ByteBuffer {
        var json = JSONWriter(capacity: 64)
        json.field("type", "joined")
        json.field("room_id", roomID)
        json.field("last_seq", lastSeq)
        return json.finish()
    }

    public static func left(roomID: Int64) -> ByteBuffer {
        var json = JSONWriter(capacity: 48)
        json.field("type", "left")
        json.field("room_id", roomID)
        return json.finish()
    }

    public static func ack(roomID: Int64, clientMessageID: String?, seq: Int64) -> ByteBuffer {
        var json = JSONWriter(capacity: 96)
        json.field("type", "ack")
        json.field("room_id", roomID)
        json.field("client_msg_id", clientMessageID)
        json.field("seq", seq)
        return json.finish()
    }

    public enum PresenceEvent: String, Sendable { case join, leave }

    public static func presence(roomID: Int64, event: PresenceEvent, userID: Int64, username: String) -> ByteBuffer {
        var json = JSONWriter(capacity: 96)
        json.field("type", "presence")
        json.field("room_id", roomID)
        json.field("event", event.rawValue)
        json.field("user_id", userID)
        json.field("username", username)
        return json.finish()
    }

    public static func typing(roomID: Int64, userID: Int64, username: String) -> ByteBuffer {
        var json = JSONWriter(capacity: 96)
        json.field("type", "typing")
        json.field("room_id", roomID)
        json.field("user_id", userID)
        json.field("username", username)
        return json.finish()
    }

    public static func roomClosed(roomID: Int64) -> ByteBuffer {
        var json = JSONWriter(capacity: 48)
        json.field("type", "room_closed")
        json.field("room_id", roomID)
        return json.finish()
    }

    /// Contract v1.1: the receiving user is no longer a participant of the private room (removed,
    /// or it left): the connection is no longer joined to it.
    public static func removed(roomID: Int64) -> ByteBuffer {
        var json = JSONWriter(capacity: 48)
        json.field("type", "removed")
        json.field("room_id", roomID)
        return json.finish()
    }

    public static func error(code: ErrorCode, message: String, ref: String?) -> ByteBuffer {
        var json = JSONWriter(capacity: 96)
        json.field("type", "error")
        json.field("code", code.rawValue)
        json.field("message", message)
        json.field("ref", ref)
        return json.finish()
    }

    public static let pong: ByteBuffer = {
        var json = JSONWriter(capacity: 16)
        json.field("type", "pong")
        return json.finish()
    }()
}
