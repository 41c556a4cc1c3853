/// What one sender sends (the public face of a sender's role).
public struct SendSpec: Sendable, Equatable {
    public var roomID: Int64
    public var members: Int
    public var number: Int
    public var contentSize: Int
    /// Resends of a send answered `unavailable`.
    public var maximumRetries: Int

    public init(roomID: Int64, members: Int, number: Int, contentSize: Int, maximumRetries: Int) {
        self.maximumRetries = maximumRetries
        self.roomID = roomID
        self.members = members
        self.number = number
        self.contentSize = contentSize
    }
}
