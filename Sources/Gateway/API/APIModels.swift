import ClusterKit
import Foundation
import Hummingbird

/// `User` of the contract; `email` only for its owner, counts only on profile reads.
struct UserJSON: Encodable, Sendable {
    let id: Int64
    let username: String
    let email: String?
    let createdAt: String
    let followers: Int64?
    let following: Int64?

    init(_ user: UserRecord, includeEmail: Bool, followers: Int64? = nil, following: Int64? = nil) {
        self.id = user.id
        self.username = user.username
        self.email = includeEmail ? user.email : nil
        self.createdAt = Timestamp.format(user.createdAt)
        self.followers = followers
        self.following = following
    }

    enum CodingKeys: String, CodingKey {
        case id, username, email, followers, following
        case createdAt = "created_at"
    }
}

/// `Room` of the contract.
struct RoomJSON: Encodable, Sendable {
    let id: Int64
    let name: String
    let ownerID: Int64
    let createdAt: String
    let lastSeq: Int64
    let visibility: String
    let topic: String

    init(_ room: RoomRecord) {
        self.id = room.id
        self.name = room.name
        self.ownerID = room.ownerID
        self.createdAt = Timestamp.format(room.createdAt)
        self.lastSeq = room.lastSeq
        self.visibility = room.visibility
        self.topic = room.topic
    }

    enum CodingKeys: String, CodingKey {
        case id, name, visibility, topic
        case ownerID = "owner_id"
        case createdAt = "created_at"
        case lastSeq = "last_seq"
    }
}

/// `Message` of the contract.
struct MessageJSON: Encodable, Sendable {
    let roomID: Int64
    let seq: Int64
    let userID: Int64
    let username: String
    let content: String
    let clientMessageID: String?
    let sentAt: String

    init(_ message: MessageRecord) {
        self.roomID = message.roomID
        self.seq = message.seq
        self.userID = message.userID
        self.username = message.username
        self.content = message.content
        self.clientMessageID = message.clientMessageID
        self.sentAt = Timestamp.format(message.sentAt)
    }

    enum CodingKeys: String, CodingKey {
        case seq, username, content
        case roomID = "room_id"
        case userID = "user_id"
        case clientMessageID = "client_msg_id"
        case sentAt = "sent_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(roomID, forKey: .roomID)
        try container.encode(seq, forKey: .seq)
        try container.encode(userID, forKey: .userID)
        try container.encode(username, forKey: .username)
        try container.encode(content, forKey: .content)
        try container.encode(clientMessageID, forKey: .clientMessageID)  // null when absent
        try container.encode(sentAt, forKey: .sentAt)
    }
}

/// `{"user":User,"token":"…","expires_at":"…"}`.
struct AuthJSON: ResponseEncodable, Sendable {
    let user: UserJSON
    let token: String
    let expiresAt: String

    enum CodingKeys: String, CodingKey {
        case user, token
        case expiresAt = "expires_at"
    }
}

struct UserEnvelope: ResponseEncodable, Sendable { let user: UserJSON }
struct UsersEnvelope: ResponseEncodable, Sendable { let users: [UserJSON] }
struct RoomEnvelope: ResponseEncodable, Sendable { let room: RoomJSON }
struct RoomsEnvelope: ResponseEncodable, Sendable { let rooms: [RoomJSON] }
struct MessagesEnvelope: ResponseEncodable, Sendable { let messages: [MessageJSON] }

struct MemberJSON: Encodable, Sendable {
    let userID: Int64
    let username: String
    enum CodingKeys: String, CodingKey {
        case username
        case userID = "user_id"
    }
}
struct MembersEnvelope: ResponseEncodable, Sendable { let members: [MemberJSON] }
