import Foundation

/// An open room as stored.
struct RoomRecord: Sendable, Equatable {
    let id: Int64
    let name: String
    /// `nil` for a direct message.
    let ownerID: Int64?
    let createdAt: Date
    let lastSeq: Int64
    /// `public` or `private` (contract v1.1; rooms made before it are public).
    let visibility: String
    let topic: String
    /// A direct message: private, two members, no owner.
    var isDirect = false
    /// The role of the user it was read for, in a private room it takes part in.
    var role: ParticipantRole?

    var isPrivate: Bool { visibility == "private" }
}

/// A stored message.
struct MessageRecord: Sendable, Equatable {
    let roomID: Int64
    let seq: Int64
    let userID: Int64
    let username: String
    let content: String
    let clientMessageID: String?
    let sentAt: Date
}
