import Foundation

/// An open room as stored.
struct RoomRecord: Sendable, Equatable {
    let id: Int64
    let name: String
    let ownerID: Int64
    let createdAt: Date
    let lastSeq: Int64
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
