/// A stored chat message: identified by `(roomID, seq)`.
public struct ChatMessage: Sendable, Equatable {
    public var roomID: Int64
    public var seq: Int64
    public var userID: Int64
    public var username: String
    public var content: String
    public var clientMessageID: String?
    /// Milliseconds since 1970, UTC.
    public var sentAt: Int64

    public init(roomID: Int64, seq: Int64, userID: Int64, username: String, content: String, clientMessageID: String?, sentAt: Int64) {
        self.roomID = roomID
        self.seq = seq
        self.userID = userID
        self.username = username
        self.content = content
        self.clientMessageID = clientMessageID
        self.sentAt = sentAt
    }
}
