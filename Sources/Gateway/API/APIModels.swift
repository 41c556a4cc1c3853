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

/// `Room` of the contract (v1.1: with `visibility`, `topic`, and the reader's `role` in a private
/// room it takes part in; `owner_id` is null for a direct message).
struct RoomJSON: Encodable, Sendable {
    let id: Int64
    let name: String
    let ownerID: Int64?
    let createdAt: String
    let lastSeq: Int64
    let visibility: String
    let topic: String
    let role: ParticipantRole?

    init(_ room: RoomRecord) {
        self.init(room, role: room.role)
    }

    /// The room as a reader with `role` sees it (public rooms carry no role).
    init(_ room: RoomRecord, role: ParticipantRole?) {
        self.id = room.id
        self.name = room.name
        self.ownerID = room.ownerID
        self.createdAt = Timestamp.format(room.createdAt)
        self.lastSeq = room.lastSeq
        self.visibility = room.visibility
        self.topic = room.topic
        self.role = room.isPrivate ? role : nil
    }

    enum CodingKeys: String, CodingKey {
        case id, name, visibility, topic, role
        case ownerID = "owner_id"
        case createdAt = "created_at"
        case lastSeq = "last_seq"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(ownerID, forKey: .ownerID)  // null for a direct message, never missing
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(lastSeq, forKey: .lastSeq)
        try container.encode(visibility, forKey: .visibility)
        try container.encode(topic, forKey: .topic)
        try container.encodeIfPresent(role, forKey: .role)
    }
}

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

struct ParticipantJSON: Encodable, Sendable {
    let userID: Int64
    let username: String
    let role: ParticipantRole
    let addedAt: String

    init(_ participant: PostgresParticipantStore.Participant) {
        userID = participant.userID
        username = participant.username
        role = participant.role
        addedAt = Timestamp.format(participant.addedAt)
    }

    enum CodingKeys: String, CodingKey {
        case username, role
        case userID = "user_id"
        case addedAt = "added_at"
    }
}
struct ParticipantsEnvelope: ResponseEncodable, Sendable { let participants: [ParticipantJSON] }
